import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../objects.ts';
import { fakeListWatchTransport } from '../kube/testing/fake-list-watch-transport.ts';
import { healthRulesPath } from './health-rule-schema.ts';
import { watchClusterHealthRules } from './health-rule-watch.ts';

const healthRule = (name: string, kind: string, resourceVersion = '1', spec: unknown = { rules: [{ group: 'example.com', kind, current: 'true' }] }): KubeObject =>
  ({ apiVersion: 'berth.dev/v1alpha1', kind: 'HealthRule', metadata: { name, resourceVersion }, spec });

test('HealthRules are listed, watched and ordered by name; an invalid one is logged and ignored', async () => {
  const transport = fakeListWatchTransport();
  transport.items.set(healthRulesPath, [
    healthRule('zz-late', 'Widget'),
    healthRule('aa-early', 'Widget'),
    healthRule('broken', 'Gadget', '1', { rules: [{ group: 'example.com', kind: 'not a kind' }] }),
  ]);
  const warnings: string[] = [];
  let changes = 0;
  const rules = watchClusterHealthRules({ transport, log: { warn: (_fields, message) => { warnings.push(message); } }, onChange: () => { changes += 1; } });
  await rules.start();
  assert.deepEqual(rules.rules().map((rule) => rule.source), ['HealthRule aa-early spec.rules[0]', 'HealthRule zz-late spec.rules[0]']);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /HealthRule broken is invalid and ignored: spec\.rules\.0\.kind: must be a Kind/);
  assert.equal(changes, 0, 'the first list is the start, not a change');

  await transport.opened(1);
  transport.open[0]?.send('ADDED', healthRule('mm-middle', 'Gadget', '2'));
  assert.deepEqual(rules.rules().map((rule) => `${rule.source} ${rule.kind}`), [
    'HealthRule aa-early spec.rules[0] Widget', 'HealthRule mm-middle spec.rules[0] Gadget', 'HealthRule zz-late spec.rules[0] Widget',
  ]);
  transport.open[0]?.send('DELETED', healthRule('zz-late', 'Widget', '3'));
  assert.deepEqual(rules.rules().map((rule) => rule.kind), ['Widget', 'Gadget']);
  assert.equal(changes, 2);
  rules.stop();
});
