/**
 * `npm run demo -- --once` end to end: the demo script runs its whole
 * walkthrough (deploy, roll forward, drift and sync, automatic rollback) on the
 * shared control plane, exits 0, and leaves no namespace of its own behind.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createRestClient, KubeApiError } from '../../src/kube/rest.ts';
import { kubeconfigPath, redisUrl, testKubeConfig } from '../harness/env.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

describe('the demo', () => {
  it('walks through deploy, roll forward, drift and rollback, and cleans up (--once)', { timeout: 420_000 }, async (t) => {
    const result = await run(path.join(root, 'src/bin/node'), [path.join(root, 'examples/demo.ts'), '--once'], {
      env: { ...process.env, BERTH_TEST_KUBECONFIG: kubeconfigPath(), BERTH_TEST_REDIS_URL: redisUrl() },
      timeout: 400_000,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: unknown) => {
      const failed = error as { stdout?: string; stderr?: string; code?: number };
      assert.fail(`the demo exited with ${String(failed.code)}:\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
    });
    const out = result.stdout;
    for (const heading of ['== 1.', '== 2.', '== 3.', '== 4.', '== Where to look']) assert.ok(out.includes(heading), `${heading} in:\n${out}`);
    assert.match(out, /image registry\.example\/guestbook:1\.1\.0/, 'the image change was synced');
    assert.match(out, /^\s+-\s+image: registry\.example\/guestbook:hotfix$/m, 'the drift diff shows the manual change');
    assert.match(out, /\/applications\/guestbook\/drift/, 'the curl line of the drift endpoint is printed');
    assert.match(out, /rolled back to [0-9a-f]{7}/);
    assert.match(out, /demo finished/);

    const namespace = /kubectl -n (berth-demo-[0-9a-f]+)/.exec(out)?.[1];
    assert.ok(namespace, 'the demo names its namespace');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    const left = await rest.request('GET', `/api/v1/namespaces/${namespace}`).then(
      (response) => response.body as { metadata: { deletionTimestamp?: string } },
      (error: unknown) => { if (error instanceof KubeApiError && error.status === 404) return undefined; throw error; },
    );
    assert.ok(left === undefined || left.metadata.deletionTimestamp, `${namespace} is deleted or being deleted`);
  });
});
