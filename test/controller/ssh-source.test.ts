/**
 * SSH Git sources through a real controller process, against a real OpenSSH
 * server (test/harness/sshd.ts) and the real control plane: a deploy key and
 * knownHosts from the Application's credentialsSecret deploy and follow new
 * commits; a wrong key and an unknown host key are refused with a named error
 * and nothing applied; a host that could be read as an SSH option is refused
 * before any connection; a server that goes down keeps the deployed state, and
 * the next commit deploys when it is back.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { RestClient } from '../../src/kube/rest.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles, createRepository, tempDir } from '../harness/git-repositories.ts';
import { testNamespace } from '../harness/env.ts';
import { testRestClient } from '../harness/integration.ts';
import { generateSshKey, sharedSshd, startSshd } from '../harness/sshd.ts';
import { application, logged, writeApplications } from '../security/tenant-fixtures.ts';
import { startControllerProcess } from './controller-process.ts';
import { configMapYaml, readConfigMapValue } from './replica-fixtures.ts';

async function createSecret(rest: RestClient, namespace: string, name: string, data: Record<string, string>): Promise<void> {
  await rest.request('POST', `/api/v1/namespaces/${namespace}/secrets`, {
    body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data },
  });
}

async function workFolder(t: TestContext, name: string): Promise<string> {
  const root = await tempDir(`berth-${name}-git-`);
  t.after(() => { fs.rmSync(root, { recursive: true, force: true }); });
  return root;
}

const noKeyPrinted = (lines: readonly Record<string, unknown>[]): boolean => !lines.some((line) => /PRIVATE KEY|b3BlbnNzaC1rZXktdjE/.test(JSON.stringify(line)));

describe('SSH Git sources through the controller', () => {
  it('deploys with a deploy key and follows commits; a wrong key, an unknown host key and an option-shaped host are refused by name', { timeout: 300_000 }, async (t) => {
    const namespace = await testNamespace(t, 'ssh-src');
    const rest = await testRestClient(t);
    const root = await workFolder(t, 'ssh-src');
    const sshd = await sharedSshd();
    const repository = await createRepository(root, 'deploy');
    await commitFiles(repository, {
      'good/cm.yaml': configMapYaml(namespace, 'over-ssh', 'one'),
      'wrong/cm.yaml': configMapYaml(namespace, 'wrong-key', 'applied'),
      'unknown/cm.yaml': configMapYaml(namespace, 'unknown-host', 'applied'),
    }, 'first');
    const stranger = await generateSshKey('stranger');
    const otherHost = await generateSshKey('other-host');
    await createSecret(rest, namespace, 'deploy-key', { sshPrivateKey: sshd.clientKey, knownHosts: sshd.knownHosts });
    await createSecret(rest, namespace, 'stranger-key', { sshPrivateKey: stranger.privateKey, knownHosts: sshd.knownHosts });
    await createSecret(rest, namespace, 'other-host', { sshPrivateKey: sshd.clientKey, knownHosts: `[127.0.0.1]:${sshd.port} ${otherHost.publicKey}\n` });
    const marker = path.join(root, 'proxy-command-ran');
    const url = sshd.urlOf(repository.bare);
    const appsFile = writeApplications(root, [
      application('good', namespace, { repoURL: url, path: 'good', credentialsSecret: 'deploy-key' }),
      application('wrong', namespace, { repoURL: url, path: 'wrong', credentialsSecret: 'stranger-key' }),
      application('unknown', namespace, { repoURL: url, path: 'unknown', credentialsSecret: 'other-host' }),
      application('abuse', namespace, { repoURL: `ssh://-oProxyCommand=touch%20${encodeURIComponent(marker)}/x.git`, path: 'good', credentialsSecret: 'deploy-key' }),
    ]);
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    await controller.explain(eventually('the ConfigMap deployed over SSH', async () => (await readConfigMapValue(rest, namespace, 'over-ssh')) === 'one' || undefined, { timeoutMs: 90_000 }));
    await commitFiles(repository, { 'good/cm.yaml': configMapYaml(namespace, 'over-ssh', 'two') }, 'second');
    await controller.explain(eventually('the new commit deployed over SSH', async () => (await readConfigMapValue(rest, namespace, 'over-ssh')) === 'two' || undefined, { timeoutMs: 90_000 }));

    const refusals = [
      'the server refused the key in sshPrivateKey',
      `host key mismatch: the server offered ssh-ed25519 SHA256:`,
      // JSON escapes the quotes around "-" in the log line.
      'which an SSH client would read as an option',
    ];
    for (const refusal of refusals) {
      await controller.explain(eventually(`the controller to log: ${refusal}`, () => Promise.resolve(logged(controller.logLines(), refusal) || undefined), { timeoutMs: 60_000 }));
    }
    assert.equal(await readConfigMapValue(rest, namespace, 'wrong-key'), undefined, 'nothing applied with a key the server refused');
    assert.equal(await readConfigMapValue(rest, namespace, 'unknown-host'), undefined, 'nothing applied from a server with an unknown host key');
    assert.equal(fs.existsSync(marker), false, 'no ProxyCommand ran');
    assert.ok(noKeyPrinted(controller.logLines()), 'no private key in the log');
  });

  it('keeps what is deployed while the SSH server is down, and deploys the next commit when it is back', { timeout: 300_000 }, async (t) => {
    const namespace = await testNamespace(t, 'ssh-down');
    const rest = await testRestClient(t);
    const root = await workFolder(t, 'ssh-down');
    let sshd = await startSshd();
    t.after(async () => { await sshd.stop(); });
    const repository = await createRepository(root, 'deploy');
    await commitFiles(repository, { 'app/cm.yaml': configMapYaml(namespace, 'kept', 'one') }, 'first');
    await createSecret(rest, namespace, 'deploy-key', { sshPrivateKey: sshd.clientKey, knownHosts: sshd.knownHosts });
    const appsFile = writeApplications(root, [application('kept', namespace, { repoURL: sshd.urlOf(repository.bare), path: 'app', credentialsSecret: 'deploy-key' })]);
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });
    await controller.explain(eventually('the first commit deployed', async () => (await readConfigMapValue(rest, namespace, 'kept')) === 'one' || undefined, { timeoutMs: 90_000 }));

    await sshd.stop({ keepFiles: true });
    await commitFiles(repository, { 'app/cm.yaml': configMapYaml(namespace, 'kept', 'two') }, 'second');
    await controller.explain(eventually('a poll to fail on the stopped server', () => Promise.resolve(logged(controller.logLines(), 'ECONNREFUSED') || undefined), { timeoutMs: 60_000 }));
    assert.equal(await readConfigMapValue(rest, namespace, 'kept'), 'one', 'the deployed state is kept');

    // The same port, folder and host key: the server is back as it was.
    sshd = await startSshd({ port: sshd.port, dir: sshd.dir });
    await controller.explain(eventually('the next commit deployed once the server is back', async () => (await readConfigMapValue(rest, namespace, 'kept')) === 'two' || undefined, { timeoutMs: 120_000 }));
  });
});
