import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { parseYamlDocuments } from '../render/kube-yaml.ts';
import { applicationSpecSchema } from './schema.ts';

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  pattern?: string;
  enum?: unknown[];
}

const crdPath = new URL('../../charts/berth/crds/applications.berth.dev.yaml', import.meta.url);

function crdSpecSchema(): JsonSchema {
  const [document] = parseYamlDocuments(readFileSync(crdPath, 'utf8'), crdPath.pathname);
  const crd = document?.value as { spec: { versions: { schema: { openAPIV3Schema: JsonSchema } }[] } };
  const spec = crd.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
  assert.ok(spec, 'the CRD has a spec schema');
  return spec;
}

/** Every difference in shape between the CRD's schema and zod's, as `path: what`. */
function differences(crd: JsonSchema, code: JsonSchema, path: string): string[] {
  const found: string[] = [];
  if (crd.type !== code.type) found.push(`${path}: type ${String(crd.type)} in the CRD, ${String(code.type)} in the code`);
  // RegExp#source writes `/` as `\/`; both mean a slash.
  if (crd.pattern !== code.pattern?.replaceAll('\\/', '/')) found.push(`${path}: pattern ${String(crd.pattern)} in the CRD, ${String(code.pattern)} in the code`);
  const crdRequired = [...(crd.required ?? [])].sort();
  const codeRequired = [...(code.required ?? [])].sort();
  if (crdRequired.join() !== codeRequired.join()) found.push(`${path}: required [${crdRequired.join()}] in the CRD, [${codeRequired.join()}] in the code`);
  if (crd.properties || code.properties) {
    const crdKeys = Object.keys(crd.properties ?? {});
    const codeKeys = Object.keys(code.properties ?? {});
    for (const key of crdKeys.filter((k) => !codeKeys.includes(k))) found.push(`${path}.${key}: only in the CRD`);
    for (const key of codeKeys.filter((k) => !crdKeys.includes(k))) found.push(`${path}.${key}: only in the code`);
    for (const key of crdKeys.filter((k) => codeKeys.includes(k))) {
      const crdField = crd.properties?.[key];
      const codeField = code.properties?.[key];
      if (crdField && codeField) found.push(...differences(crdField, codeField, `${path}.${key}`));
    }
  }
  if (crd.items && code.items) found.push(...differences(crd.items, code.items, `${path}[]`));
  return found;
}

describe('the CRD schema and the zod schema', () => {
  it('have the same fields, types, required fields and patterns', () => {
    const code = z.toJSONSchema(applicationSpecSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    assert.deepEqual(differences(crdSpecSchema(), code, 'spec'), []);
  });

  it('would notice a field missing from the CRD', () => {
    const code = z.toJSONSchema(applicationSpecSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    const crd = crdSpecSchema();
    delete crd.properties?.serviceAccountName;
    assert.deepEqual(differences(crd, code, 'spec'), ['spec.serviceAccountName: only in the code']);
  });
});
