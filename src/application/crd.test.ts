import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import { applicationCrd, applicationCrdFile, applicationCrdYaml } from './crd.ts';

const committed = readFileSync(new URL(`../../${applicationCrdFile}`, import.meta.url), 'utf8');

interface Node { properties?: Partial<Record<string, Node>>; items?: Node; required?: string[]; default?: unknown; additionalProperties?: unknown }

/** Every node of a schema, depth first. */
function* nodes(node: Node): Generator<Node> {
  yield node;
  for (const child of Object.values(node.properties ?? {})) if (child) yield* nodes(child);
  if (node.items) yield* nodes(node.items);
}

describe('the Application CRD', () => {
  it('is the file generated from the zod schemas (run npm run generate after changing them)', () => {
    assert.equal(committed, applicationCrdYaml());
  });

  it('is structural: no defaults, no additionalProperties: false, spec fields required as zod requires them', () => {
    const crd = load(committed) as { spec: { versions: { schema: { openAPIV3Schema: Node } }[] } };
    const root = crd.spec.versions[0]?.schema.openAPIV3Schema;
    assert.ok(root);
    for (const node of nodes(root)) {
      assert.equal(node.default, undefined, 'Berth resolves defaults itself');
      assert.notEqual(node.additionalProperties, false);
    }
    const spec = root.properties?.spec;
    assert.ok(spec);
    assert.deepEqual(spec.required, ['source', 'destination']);
    assert.deepEqual(spec.properties?.source?.required, ['repoURL']);
  });

  it('carries the cross-field rules the zod refinements check, as CEL for the API server', () => {
    const text = JSON.stringify(applicationCrd());
    assert.match(text, /at most one of directory, kustomize and helm may be set/);
    assert.match(text, /must list jsonPointers or managedFieldsManagers/);
  });
});
