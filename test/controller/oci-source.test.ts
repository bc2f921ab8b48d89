/**
 * OCI sources through a real controller process, against a real registry
 * (distribution, built from Go modules; token authentication by its Bearer
 * challenge, test/harness/registry.ts) and the real control plane: a Helm chart
 * pushed with `helm push` deploys by a semver range, a new version deploys, a
 * version whose rollout fails is rolled back to the previous DIGEST (history
 * names digests, never tags); plain manifests pushed with `oras push` deploy;
 * wrong registry credentials are refused by name with nothing applied; a
 * registry that goes down keeps the deployed state.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { RestClient } from '../../src/kube/rest.ts';
import { helmBinary } from '../harness/assets.ts';
import { testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { testRestClient } from '../harness/integration.ts';
import { startRegistry, stopRegistry } from '../harness/registry.ts';
import { pushChart } from './oci-fixtures.ts';
import { application, logged, writeApplications } from '../security/tenant-fixtures.ts';
import { startControllerProcess } from './controller-process.ts';
import { readConfigMapValue, readRelease } from './replica-fixtures.ts';

async function createSecret(rest: RestClient, namespace: string, name: string, data: Record<string, string>): Promise<void> {
  await rest.request('POST', `/api/v1/namespaces/${namespace}/secrets`, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data } });
}

function dockerConfig(host: string, username: string, password: string): string {
  return JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } });
}

function workFolder(t: TestContext, name: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `berth-${name}-`));
  t.after(() => { fs.rmSync(root, { recursive: true, force: true }); });
  return root;
}

describe('OCI sources through the controller', () => {
  it('deploys a chart by semver range, follows new versions, rolls a failed one back to the previous digest, and deploys an oras artifact; wrong credentials apply nothing', { timeout: 420_000 }, async (t) => {
    const namespace = await testNamespace(t, 'oci-src');
    const rest = await testRestClient(t);
    const root = workFolder(t, 'oci-src');
    const helm = await helmBinary();
    const registry = await startRegistry({ users: { alice: 'wonderland' }, helm });
    t.after(async () => { await stopRegistry(registry); });

    const first = await pushChart(registry, root, '0.1.0');
    fs.writeFileSync(path.join(root, 'cm.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-oras\n  namespace: ${namespace}\ndata:\n  value: pushed\n`);
    const orasOut = await registry.oras(['push', `${registry.host}/manifests/app:v1`, '--artifact-type', 'application/vnd.berth.manifests.v1', 'cm.yaml:application/yaml'], root);
    const artifact = /Digest: (sha256:[a-f0-9]{64})/.exec(orasOut)?.[1];
    assert.ok(artifact, orasOut);

    await createSecret(rest, namespace, 'registry', { '.dockerconfigjson': dockerConfig(registry.host, 'alice', 'wonderland') });
    await createSecret(rest, namespace, 'wrong', { '.dockerconfigjson': dockerConfig(registry.host, 'alice', 'not-the-password') });
    const rollback = { automated: { prune: true }, pollInterval: '2s', rollback: { enabled: true, healthTimeout: '20s' } };
    const appsFile = writeApplications(root, [
      application('web', namespace, { repoURL: `oci://${registry.host}/charts`, chart: 'web', targetRevision: '>=0.1.0', credentialsSecret: 'registry' }, { syncPolicy: rollback }),
      application('wrong', namespace, { repoURL: `oci://${registry.host}/manifests/app`, targetRevision: 'v1', credentialsSecret: 'wrong' }),
      application('manifests', namespace, { repoURL: `oci://${registry.host}/manifests/app`, targetRevision: 'v1', credentialsSecret: 'registry' }),
    ]);
    const controller = startControllerProcess({ appsFile, env: { BERTH_HELM: helm } });
    t.after(async () => { await controller.stop(); });
    const settledOn = (revision: string) => async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Healthy' && record.state.revision === revision ? record : undefined;
    };

    // 1. The chart deploys; its digest is the revision.
    await controller.explain(eventually('chart 0.1.0 Healthy at its digest', settledOn(first), { timeoutMs: 120_000 }));
    assert.equal(await readConfigMapValue(rest, namespace, 'web-version'), '0.1.0');
    // 2. The oras artifact deploys at its digest.
    await controller.explain(eventually('the oras artifact deployed', async () => (await readConfigMapValue(rest, namespace, 'from-oras')) === 'pushed' || undefined, { timeoutMs: 90_000 }));
    assert.equal((await readRelease(rest, namespace, 'manifests'))?.state.revision, artifact);

    // 3. A new version in range deploys by the next poll.
    const second = await pushChart(registry, root, '0.2.0');
    await controller.explain(eventually('chart 0.2.0 Healthy at its digest', settledOn(second), { timeoutMs: 120_000 }));
    assert.equal(await readConfigMapValue(rest, namespace, 'web-version'), '0.2.0');

    // 4. A version whose rollout fails is rolled back to the previous digest.
    const broken = await pushChart(registry, root, '0.3.0', true);
    const rolledBack = await controller.explain(eventually('0.3.0 rolled back', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.failedRevision === broken && record.state.status === 'Healthy' ? record : undefined;
    }, { timeoutMs: 180_000 }));
    assert.equal(rolledBack.state.lastHealthyRevision, second);
    assert.equal(await readConfigMapValue(rest, namespace, 'web-version'), '0.2.0');
    assert.ok(rolledBack.history.some((entry) => entry.initiator === 'rollback' && entry.revision === second), JSON.stringify(rolledBack.history));
    assert.ok(rolledBack.history.every((entry) => /^sha256:[a-f0-9]{64}$/.test(entry.revision)), 'history names digests only');

    // 5. Wrong credentials: a named refusal, nothing applied (the same artifact the right ones deployed).
    await controller.explain(eventually('the wrong credentials to be named', () => Promise.resolve(logged(controller.logLines(), 'the server rejected the credentials') || undefined), { timeoutMs: 60_000 }));
    assert.equal((await readRelease(rest, namespace, 'wrong'))?.appliedRevision, undefined, 'nothing applied with wrong credentials');

    // 6. The registry goes down: the deployed state is kept, and polls say why.
    await registry.stop();
    await controller.explain(eventually('a poll to fail on the stopped registry', () => Promise.resolve(logged(controller.logLines(), 'ECONNREFUSED') || undefined), { timeoutMs: 60_000 }));
    assert.equal(await readConfigMapValue(rest, namespace, 'web-version'), '0.2.0', 'the deployed state is kept');
    assert.equal((await readRelease(rest, namespace, 'web'))?.state.revision, second);
    await registry.start();
  });
});
