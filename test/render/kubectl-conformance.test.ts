/**
 * Berth reads YAML exactly as kubectl does: every file of the tricky-manifest
 * corpus (test/fixtures/render/yaml-corpus) is read by Berth and by kubectl's
 * own conversion (`kubectl label --local -f FILE ... -o json`, no server
 * needed), and the objects must be equal once the label kubectl added is gone.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { KubeObject } from '../../objects.ts';
import { parseManifestFile } from '../../src/render/manifests.ts';

const run = promisify(execFile);
const corpus = path.join(import.meta.dirname, '../fixtures/render/yaml-corpus');
const label = 'berth-conformance';

async function kubectlObjects(file: string): Promise<KubeObject[]> {
  const { stdout } = await run('kubectl', ['label', '--local', '-f', file, `${label}=x`, '-o', 'json', '--kubeconfig=/dev/null']);
  // kubectl prints one indented JSON object per input object, each opening with "{" alone on a line.
  const chunks = stdout.split(/^(?=\{$)/m).filter((chunk) => chunk.trim());
  return chunks.map((chunk) => {
    const object = JSON.parse(chunk) as KubeObject;
    const { [label]: added, ...labels } = object.metadata.labels ?? {};
    assert.equal(added, 'x');
    if (Object.keys(labels).length === 0) delete object.metadata.labels;
    else object.metadata.labels = labels;
    return object;
  });
}

const files = (await fs.readdir(corpus)).sort();

describe('YAML reading matches kubectl', () => {
  it('has a corpus to compare', () => {
    assert.ok(files.length >= 10, `only ${files.length} files in ${corpus}`);
  });

  for (const name of files) {
    it(`reads ${name} as kubectl does`, async () => {
      const file = path.join(corpus, name);
      const expected = await kubectlObjects(file);
      const ours = parseManifestFile(await fs.readFile(file, 'utf8'), name).map((manifest) => {
        const object = structuredClone(manifest.object);
        if (object.metadata.labels && Object.keys(object.metadata.labels).length === 0) delete object.metadata.labels;
        return object;
      });
      assert.ok(expected.length > 0);
      assert.deepEqual(ours, expected);
    });
  }
});
