import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import { berthPolicyCrdFile, berthPolicyCrdYaml } from './berth-policy-crd.ts';
import { berthPolicySpecSchema } from './berth-policy-schema.ts';

const root = path.resolve(import.meta.dirname, '../..');
const committed = fs.readFileSync(path.join(root, berthPolicyCrdFile), 'utf8');

interface SchemaNode { properties?: Record<string, SchemaNode>; example?: unknown; items?: SchemaNode }
const specSchemaOf = (text: string): SchemaNode => {
  const crd = load(text) as { spec: { scope: string; versions: { schema: { openAPIV3Schema: SchemaNode } }[] } };
  const spec = crd.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
  assert.ok(spec, 'the CRD has a spec schema');
  return spec;
};

/** Every `example` anywhere in a schema, with where it sits. */
function examplesOf(node: SchemaNode, where: string): [string, unknown][] {
  const found: [string, unknown][] = node.example === undefined ? [] : [[where, node.example]];
  for (const [name, child] of Object.entries(node.properties ?? {})) found.push(...examplesOf(child, `${where}.${name}`));
  if (node.items) found.push(...examplesOf(node.items, `${where}[]`));
  return found;
}

describe('the BerthPolicy CRD', () => {
  it('is the committed file that npm run generate writes', () => {
    assert.equal(committed, berthPolicyCrdYaml());
  });

  it('is cluster-scoped, so a tenant who owns a namespace cannot write one', () => {
    assert.equal((load(committed) as { spec: { scope: string } }).spec.scope, 'Cluster');
  });

  it('carries examples the zod schema accepts', () => {
    const examples = examplesOf(specSchemaOf(committed), 'spec');
    assert.ok(examples.length > 0, 'the spec has an example');
    for (const [where, example] of examples) {
      const parsed = berthPolicySpecSchema.safeParse(where === 'spec' ? example : undefined);
      assert.ok(parsed.success, `${where}: ${parsed.success ? '' : parsed.error.message}`);
    }
  });

  it('has the fields of the zod schema, no more and no fewer', () => {
    assert.deepEqual(Object.keys(specSchemaOf(committed).properties ?? {}).sort(), Object.keys(berthPolicySpecSchema.shape).sort());
  });
});

describe('berthPolicySpecSchema', () => {
  it('defaults every narrowing to none', () => {
    assert.deepEqual(berthPolicySpecSchema.parse({ namespaces: ['team-a'] }), {
      namespaces: ['team-a'], allowedRepos: [], allowedDestinations: [], allowClusterScoped: true, allowedKinds: [], deniedKinds: [], dependsOnNamespaces: [], allowedClusters: [],
    });
  });

  for (const [what, spec] of [
    ['no namespaces', { namespaces: [] }],
    ['a namespace glob with a slash', { namespaces: ['team-a/x'] }],
    ['a kind without its group', { namespaces: ['a'], deniedKinds: ['Secret'] }],
    ['an unknown field', { namespaces: ['a'], allowedRepo: ['x'] }],
  ] as const) {
    it(`refuses ${what}`, () => { assert.equal(berthPolicySpecSchema.safeParse(spec).success, false); });
  }
});
