/**
 * Registry webhooks end to end (issue 16): a real registry (distribution, from
 * Go modules, test/harness/registry.ts) sends its own notifications to a real
 * controller process. An Application polling once an hour follows a tag of an
 * OCI artifact (`oras push`); pushing the tag again makes the registry notify
 * Berth, which deploys the new digest without waiting for a poll. A delivery
 * with a wrong token queues nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { RestClient } from '../../src/kube/rest.ts';
import { helmBinary } from '../harness/assets.ts';
import { testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { testRestClient } from '../harness/integration.ts';
import { startRegistry, stopRegistry } from '../harness/registry.ts';
import { application, logged, writeApplications } from '../security/tenant-fixtures.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { readConfigMapValue, readRelease } from '../controller/replica-fixtures.ts';

const token = 'registry-notification-token';

async function createSecret(rest: RestClient, namespace: string, name: string, data: Record<string, string>): Promise<void> {
  await rest.request('POST', `/api/v1/namespaces/${namespace}/secrets`, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data } });
}

describe('registry webhooks, end to end', () => {
  it('deploys a pushed artifact when the registry notifies, and refuses a forged notification', { timeout: 300_000 }, async (t) => {
    const namespace = await testNamespace(t, 'registry-hook');
    const rest = await testRestClient(t);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-registry-hook-'));
    t.after(() => { fs.rmSync(root, { recursive: true, force: true }); });
    const registry = await startRegistry({ users: { alice: 'wonderland' }, helm: await helmBinary() });
    t.after(async () => { await stopRegistry(registry); });

    const push = async (value: string): Promise<string> => {
      fs.writeFileSync(path.join(root, 'cm.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pushed\n  namespace: ${namespace}\ndata:\n  value: ${value}\n`);
      const out = await registry.oras(['push', `${registry.host}/manifests/app:stable`, '--artifact-type', 'application/vnd.berth.manifests.v1', 'cm.yaml:application/yaml'], root);
      const digest = /Digest: (sha256:[a-f0-9]{64})/.exec(out)?.[1];
      assert.ok(digest, out);
      return digest;
    };
    const first = await push('v1');
    const auth = Buffer.from('alice:wonderland').toString('base64');
    await createSecret(rest, namespace, 'registry', { '.dockerconfigjson': JSON.stringify({ auths: { [registry.host]: { auth } } }) });
    // Polling once an hour: only the registry's notification can bring the next push in time.
    const hourly = { syncPolicy: { automated: { prune: true }, pollInterval: '1h', rollback: { enabled: false } } };
    const appsFile = writeApplications(root, [
      application('artifact', namespace, { repoURL: `oci://${registry.host}/manifests/app`, targetRevision: 'stable', credentialsSecret: 'registry' }, hourly),
    ]);
    const controller = startControllerProcess({ appsFile, env: { BERTH_WEBHOOK_SECRET_OCI_DISTRIBUTION: token } });
    t.after(async () => { await controller.stop(); });
    await controller.explain(eventually('the first push to deploy', async () => (await readConfigMapValue(rest, namespace, 'pushed')) === 'v1' || undefined, { timeoutMs: 120_000 }));
    assert.equal((await readRelease(rest, namespace, 'artifact'))?.state.revision, first);

    const hook = `${await controller.baseUrl()}/api/v1/webhooks/oci-distribution`;
    const forged = await fetch(hook, {
      method: 'POST', headers: { authorization: 'Bearer guessed', 'content-type': 'application/vnd.docker.distribution.events.v1+json' }, body: JSON.stringify({ events: [] }),
    });
    assert.equal(forged.status, 401);

    await registry.notifyTo(hook, token);
    const second = await push('v2');
    await controller.explain(eventually('the notified push to deploy', async () => (await readConfigMapValue(rest, namespace, 'pushed')) === 'v2' || undefined, { timeoutMs: 90_000 }));
    assert.equal((await readRelease(rest, namespace, 'artifact'))?.state.revision, second);
    assert.ok(logged(controller.logLines(), 'registry webhook delivery accepted'), 'the registry\'s own notification was accepted');
    assert.ok(controller.logLines().some((line) => line.msg === 'registry webhook delivery accepted' && JSON.stringify(line.queued).includes(`${namespace}/artifact`)));
  });
});
