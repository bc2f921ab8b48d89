/**
 * A real Git host end to end: Gitea (test/harness/gitea.ts, built from Go
 * modules) serves the repository over its own SSH server to a read-only deploy
 * key, and a real push to Gitea sends a real signed webhook (Gitea's own
 * X-Gitea-Signature over its own JSON) to a real controller, which deploys the
 * pushed commit over SSH. The Application polls every ten minutes, so only the
 * webhook can bring the second commit within the bound.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RestClient } from '../../src/kube/rest.ts';
import { eventually } from '../harness/eventually.ts';
import { tempDir } from '../harness/git-repositories.ts';
import { startGitea, type Gitea } from '../harness/gitea.ts';
import { testNamespace } from '../harness/env.ts';
import { testRestClient } from '../harness/integration.ts';
import { generateSshKey } from '../harness/sshd.ts';
import { application, writeApplications } from '../security/tenant-fixtures.ts';
import { startControllerProcess } from './controller-process.ts';
import { configMapYaml, readConfigMapValue } from './replica-fixtures.ts';

let gitea: Gitea;
let root: string;

before(async () => {
  // A cold cache builds Gitea first (printed); warm, it starts in a few seconds.
  gitea = await startGitea();
  root = await tempDir('ssh-gitea');
}, { timeout: 80 * 60_000 });
after(async () => {
  await gitea.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

async function createSecret(rest: RestClient, namespace: string, name: string, data: Record<string, string>): Promise<void> {
  await rest.request('POST', `/api/v1/namespaces/${namespace}/secrets`, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data } });
}

describe('Gitea, SSH and its webhook through the controller', () => {
  it('deploys over Gitea\'s SSH with a deploy key, and a push to Gitea deploys through its signed webhook', { timeout: 300_000 }, async (t) => {
    const namespace = await testNamespace(t, 'gitea');
    const rest = await testRestClient(t);
    const repository = await gitea.createRepository(`deploy-${namespace.slice(-8)}`);
    const work = path.join(root, 'work');
    const first = await gitea.push(repository, work, { 'app/cm.yaml': configMapYaml(namespace, 'from-gitea', 'one') }, 'first');
    const deployKey = await generateSshKey('berth-deploy');
    await gitea.addDeployKey(repository, deployKey.publicKey);
    await createSecret(rest, namespace, 'gitea-deploy-key', { sshPrivateKey: deployKey.privateKey, knownHosts: gitea.knownHosts });

    const secret = 'gitea-webhook-secret-0123456789';
    const appsFile = writeApplications(root, [
      application('web', namespace, { repoURL: repository.sshUrl, path: 'app', credentialsSecret: 'gitea-deploy-key' }, { syncPolicy: { automated: { prune: true }, pollInterval: '10m' } }),
    ]);
    const controller = startControllerProcess({ appsFile, env: { BERTH_WEBHOOK_SECRET_GITEA: secret } });
    t.after(async () => { await controller.stop(); });
    await controller.explain(eventually('the first commit deployed over Gitea\'s SSH', async () => (await readConfigMapValue(rest, namespace, 'from-gitea')) === 'one' || undefined, { timeoutMs: 90_000 }));
    const reconciled = (commit: string) => () => Promise.resolve(controller.logLines().some((line) => line.msg === 'reconciled' && line.revision === commit) || undefined);
    // The ConfigMap is applied before the reconcile ends (it waits for health): wait for its line.
    await controller.explain(eventually(`the first commit ${first} reconciled`, reconciled(first), { timeoutMs: 60_000 }));

    await gitea.addWebhook(repository, { url: `${await controller.baseUrl()}/api/v1/webhooks/gitea`, secret });
    const second = await gitea.push(repository, work, { 'app/cm.yaml': configMapYaml(namespace, 'from-gitea', 'two') }, 'second');
    await controller.explain(eventually('the pushed commit deployed through the webhook', async () => (await readConfigMapValue(rest, namespace, 'from-gitea')) === 'two' || undefined, { timeoutMs: 90_000 }));

    // Gitea's own delivery, signed by Gitea, accepted and matched to the Application by its ssh URL.
    const accepted = controller.logLines().filter((line) => line.msg === 'webhook delivery accepted' && line.provider === 'gitea');
    assert.ok(accepted.some((line) => JSON.stringify(line.queued) === JSON.stringify([`${namespace}/web`])), JSON.stringify(accepted));
    assert.ok(!controller.logLines().some((line) => line.msg === 'webhook delivery rejected'), 'no delivery was rejected');
    await controller.explain(eventually(`the pushed commit ${second} reconciled`, reconciled(second), { timeoutMs: 60_000 }));
  });
});
