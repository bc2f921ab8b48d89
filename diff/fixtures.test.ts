/**
 * The cases of diff/testdata: each folder holds what the control plane gave (desired.yaml,
 * live.yaml as read back, predicted.yaml as the server-side apply dry run answered, captured
 * from a Kubernetes 1.35 API server), an optional options.yaml (DiffOptions), and
 * expected.yaml: the status, the mode, and the exact patch. In an expected patch value the
 * string `<masked>` stands for any Secret placeholder.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fastJsonPatch from 'fast-json-patch';
import { load } from 'js-yaml';
import { diffObject, isMaskedPlaceholder, type DiffOptions, type ObjectDiff } from './index.ts';
import type { KubeObject } from '../objects.ts';

const testdata = join(import.meta.dirname, 'testdata');

function readYaml(folder: string, file: string): unknown {
  const path = join(folder, file);
  return existsSync(path) ? load(readFileSync(path, 'utf8')) : undefined;
}

interface Expected {
  status: ObjectDiff['status'];
  mode?: ObjectDiff['mode'];
  patch: unknown[];
  /** Lines the text diff must contain. */
  diffIncludes?: string[];
}

/** `<masked>` in the expected patch matches any placeholder; everything else must be equal. */
function withPlaceholders(actual: unknown, expected: unknown): unknown {
  if (expected === '<masked>' && isMaskedPlaceholder(actual)) return expected;
  if (Array.isArray(actual) && Array.isArray(expected)) return actual.map((item, i) => withPlaceholders(item, expected[i]));
  if (typeof actual === 'object' && actual !== null && typeof expected === 'object' && expected !== null && !Array.isArray(actual)) {
    return Object.fromEntries(Object.entries(actual).map(([k, v]) => [k, withPlaceholders(v, (expected as Record<string, unknown>)[k])]));
  }
  return actual;
}

/** Every Secret value of the inputs, as written (base64 or plain) and decoded. */
function secretValues(objects: (KubeObject | undefined)[]): string[] {
  const values: string[] = [];
  for (const object of objects) {
    if (object?.kind !== 'Secret') continue;
    for (const value of Object.values((object.data ?? {}) as Record<string, string>)) values.push(value, Buffer.from(value, 'base64').toString('utf8'));
    for (const value of Object.values((object.stringData ?? {}) as Record<string, string>)) values.push(value, Buffer.from(value).toString('base64'));
  }
  return values;
}

describe('diff fixtures (testdata)', () => {
  for (const name of readdirSync(testdata).sort()) {
    const folder = join(testdata, name);
    it(name, () => {
      const desired = readYaml(folder, 'desired.yaml') as KubeObject | undefined;
      const live = readYaml(folder, 'live.yaml') as KubeObject | undefined;
      const predicted = readYaml(folder, 'predicted.yaml') as KubeObject | undefined;
      const options = readYaml(folder, 'options.yaml') as Partial<DiffOptions> | undefined;
      const expected = readYaml(folder, 'expected.yaml') as Expected | undefined;
      assert.ok(expected, `${name}: expected.yaml is missing`);

      const result = diffObject({ desired, live, predicted }, options);

      assert.equal(result.status, expected.status);
      assert.equal(result.mode, expected.mode);
      assert.deepEqual(withPlaceholders(result.patch, expected.patch), expected.patch);
      for (const line of expected.diffIncludes ?? []) assert.ok(result.diff.split('\n').includes(line), `${name}: text diff lacks ${JSON.stringify(line)}:\n${result.diff}`);
      if (result.live && result.predicted) {
        const patched = fastJsonPatch.applyPatch(structuredClone(result.live), fastJsonPatch.deepClone(result.patch) as fastJsonPatch.Operation[], true, false).newDocument;
        assert.deepEqual(patched, result.predicted, `${name}: the patch applied to live does not give predicted`);
      }
      const output = JSON.stringify(result);
      for (const value of secretValues([desired, live, predicted])) assert.ok(!output.includes(value), `${name}: a Secret value shows in the result`);
    });
  }
});
