/**
 * `npm run generate`: writes the files made from Berth's own definitions, so
 * they are never edited by hand: the README's settings table (from
 * src/config/settings.ts) and the CRDs (from their zod schemas). Tests fail
 * when a committed file differs from what this writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { applicationCrdFile, applicationCrdYaml } from '../application/crd.ts';
import { withSettingsTable } from '../config/settings-doc.ts';
import { berthPolicyCrdFile, berthPolicyCrdYaml } from '../policy/berth-policy-crd.ts';
import { notificationProviderCrdFile, notificationProviderCrdYaml, notificationRuleCrdFile, notificationRuleCrdYaml } from '../notify/resources/crd.ts';
import { healthRuleCrdFile, healthRuleCrdYaml } from '../health-rules/health-rule-crd.ts';

const root = path.resolve(import.meta.dirname, '../..');

function rewrite(relative: string, make: (text: string) => string): void {
  const file = path.join(root, relative);
  const before = fs.readFileSync(file, 'utf8');
  const after = make(before);
  if (after === before) return;
  fs.writeFileSync(file, after);
  console.log(`wrote ${relative}`);
}

rewrite('README.md', withSettingsTable);
rewrite(applicationCrdFile, applicationCrdYaml);
rewrite(berthPolicyCrdFile, berthPolicyCrdYaml);
rewrite(notificationProviderCrdFile, notificationProviderCrdYaml);
rewrite(notificationRuleCrdFile, notificationRuleCrdYaml);
rewrite(healthRuleCrdFile, healthRuleCrdYaml);
