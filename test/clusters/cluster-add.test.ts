/**
 * `berth cluster add` against two real control planes: it makes a ServiceAccount
 * and token in the target, writes a cluster Secret the controller can read in
 * the harness cluster's controller namespace, and `--rotate` makes the old token
 * stop working. A name that is not a DNS name is refused before anything is written.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import https from 'node:https';
import type { KubeObject } from '../../objects.ts';
import { parseClusterSecret } from '../../src/clusters/cluster-secret.ts';
import { kubeconfigPath, uniqueName } from '../harness/env.ts';
import { testRestClient } from '../harness/integration.ts';
import { testControllerNamespace } from '../controller/replica-fixtures.ts';
import { privateControlPlane } from '../faults/fault-fixtures.ts';

const root = path.resolve(import.meta.dirname, '../..');

function berth(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(path.join(root, 'src/bin/node'), [path.join(root, 'src/cli/main.ts'), ...args], { env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** The HTTP status of GET /api/v1/namespaces with a bearer token and the cluster's CA. */
function statusWithToken(server: string, caData: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = https.get(`${server}/api/v1/namespaces`, { ca: Buffer.from(caData, 'base64'), headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

describe('berth cluster add', () => {
  it('registers a cluster with a token of its own, and rotates it', { timeout: 240_000 }, async (t) => {
    const rest = await testRestClient(t);
    const target = await privateControlPlane(t);
    const name = uniqueName('added');
    t.after(async () => { await rest.request('DELETE', `/api/v1/namespaces/${testControllerNamespace}/secrets/${name}`).catch(() => undefined); });
    const add = (...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> => berth('cluster', 'add',
      '--kubeconfig', target.kubeconfigPath, '--name', name, '--namespace', testControllerNamespace, '--controller-kubeconfig', kubeconfigPath(),
      '--application-namespaces', 'team-a', ...extra);

    const refused = await berth('cluster', 'add', '--kubeconfig', target.kubeconfigPath, '--name', '../Prod', '--controller-kubeconfig', kubeconfigPath());
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--name "\.\.\/Prod" must be a DNS name/);

    const first = await add();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`cluster Secret ${testControllerNamespace}/${name} created`));
    const read = async (): Promise<ReturnType<typeof parseClusterSecret>> =>
      parseClusterSecret((await rest.request('GET', `/api/v1/namespaces/${testControllerNamespace}/secrets/${name}`)).body as KubeObject);
    const config = await read();
    assert.equal(config.server, target.apiServerUrl.replace(/\/+$/, ''));
    assert.deepEqual(config.applicationNamespaces, ['team-a']);
    assert.ok(config.auth.kind === 'token' && config.auth.bearerToken !== undefined && config.auth.caData !== undefined);
    const firstToken = config.auth.bearerToken;
    const caData = config.auth.caData;
    assert.equal(await statusWithToken(config.server, caData, firstToken), 200);

    const again = await add();
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /ServiceAccount kube-system\/berth-manager kept/);
    const kept = await read();
    assert.equal(kept.auth.kind === 'token' ? kept.auth.bearerToken : undefined, firstToken, 'running it again changed the token');

    const rotated = await add('--rotate');
    assert.equal(rotated.code, 0, rotated.stderr);
    const next = await read();
    assert.ok(next.auth.kind === 'token' && next.auth.bearerToken !== undefined);
    assert.notEqual(next.auth.bearerToken, firstToken);
    assert.equal(await statusWithToken(next.server, caData, next.auth.bearerToken), 200);
    // The old token goes with its Secret (the token controller's tokens are checked against it).
    let oldStatus = 0;
    for (let i = 0; i < 40 && oldStatus !== 401; i += 1) {
      oldStatus = await statusWithToken(config.server, caData, firstToken);
      if (oldStatus !== 401) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(oldStatus, 401);
  });
});
