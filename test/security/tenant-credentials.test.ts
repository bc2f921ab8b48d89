/**
 * Credentials as the Application (issue 13, finding 4), on the real control
 * plane with the controller as a separate process. A credentialsSecret is read
 * through the Application's own identity (its ServiceAccount when it has one),
 * in its own namespace, and only for the repository URLs its
 * `berth.dev/repo-url-prefixes` annotation names; the controller-wide
 * BERTH_GIT_TOKEN goes only to the hosts of --git-credential-hosts. Each
 * attacker host is a loopback HTTP server that records the Authorization
 * headers it is sent.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { testKubeConfig, testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { startControllerProcess, type ControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, readConfigMapValue } from '../controller/replica-fixtures.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { application, logged, writeApplications } from './tenant-fixtures.ts';

interface RecordingServer { url(name: string): string; readonly authorizations: string[]; readonly requests: number }

/** A host a hostile tenant names: it answers 404 and keeps every Authorization header. */
async function recordingServer(t: TestContext): Promise<RecordingServer> {
  const authorizations: string[] = [];
  let requests = 0;
  const server = http.createServer((request, response) => {
    requests += 1;
    if (request.headers.authorization) authorizations.push(request.headers.authorization);
    response.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }));
  const { port } = server.address() as AddressInfo;
  return { url: (name) => `http://127.0.0.1:${port}/${name}.git`, authorizations, get requests() { return requests; } };
}

async function createSecret(rest: RestClient, namespace: string, name: string, data: Record<string, string>, annotations: Record<string, string> = {}): Promise<void> {
  await rest.request('POST', `/api/v1/namespaces/${namespace}/secrets`, {
    body: { apiVersion: 'v1', kind: 'Secret', metadata: { name, annotations }, stringData: data },
  });
}

/** A ServiceAccount that may do anything with ConfigMaps in its namespace and nothing with Secrets. */
async function configMapDeployer(rest: RestClient, namespace: string, name: string): Promise<void> {
  await rest.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } } });
  await rest.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
    body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['*'] }] },
  });
  await rest.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
}

/** Waits until the attacker's host was asked for the repository, or the controller logged `refusal`. */
const askedOrRefused = (controller: ControllerProcess, attacker: RecordingServer, refusal: string): Promise<true> =>
  controller.explain(eventually('the attacker\'s host to be asked or the refusal', () =>
    Promise.resolve(attacker.requests > 0 || logged(controller.logLines(), refusal) ? true as const : undefined), { timeoutMs: 60_000 }));

const basic = (username: string, password: string): string => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

async function setUp(t: TestContext, prefix: string) {
  const rest = await createRestClient(testKubeConfig());
  t.after(() => { rest.close(); });
  const root = await tempDir(`berth-${prefix}-git-`);
  t.after(() => { fs.rmSync(root, { recursive: true, force: true }); });
  return { rest, root };
}

describe('credentials as the Application', () => {
  it('sends a Secret bound to URL prefixes only to those URLs', { timeout: 180_000 }, async (t) => {
    const teamB = await testNamespace(t, 'creds-b');
    const { rest, root } = await setUp(t, 'creds-prefix');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root, { username: 'team-b', password: 'team-b-password' });
    t.after(() => server.close());
    await commitFiles(repository, { 'app/cm.yaml': configMapYaml(teamB, 'bound', 'one') }, 'first');
    const attacker = await recordingServer(t);
    const prefix = server.url('deploy').replace(/deploy\.git$/, '');
    await createSecret(rest, teamB, 'creds', { username: 'team-b', password: 'team-b-password' }, { 'berth.dev/repo-url-prefixes': prefix });
    // `stolen` is what team a's repository (app of apps) or team a's member put into team b's namespace.
    const appsFile = writeApplications(root, [
      application('own', teamB, { repoURL: server.url('deploy'), path: 'app', credentialsSecret: 'creds' }),
      application('stolen', teamB, { repoURL: attacker.url('loot'), path: 'app', credentialsSecret: 'creds' }),
    ]);
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    await controller.explain(eventually('the bound repository to be synced', () => readConfigMapValue(rest, teamB, 'bound'), { timeoutMs: 60_000 }));
    const refusal = `Secret ${teamB}/creds is bound to repository URLs starting with ${prefix}, not ${attacker.url('loot')}`;
    await askedOrRefused(controller, attacker, refusal);
    assert.deepEqual(attacker.authorizations.filter((value) => value === basic('team-b', 'team-b-password')), [], 'the password never reached the other host');
    assert.ok(logged(controller.logLines(), refusal), 'the refusal names the Secret and the URL');
  });

  it('reads the Secret as the Application\'s ServiceAccount: one without Secret rights gets nothing', { timeout: 180_000 }, async (t) => {
    const namespace = await testNamespace(t, 'creds-sa');
    const { rest, root } = await setUp(t, 'creds-sa');
    await configMapDeployer(rest, namespace, 'deployer');
    await createSecret(rest, namespace, 'creds', { username: 'someone', password: 'not-for-deployer' });
    const attacker = await recordingServer(t);
    const appsFile = writeApplications(root, [
      application('limited', namespace, { repoURL: attacker.url('loot'), path: 'app', credentialsSecret: 'creds' }, { serviceAccountName: 'deployer' }),
    ]);
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    const refusal = `Secret ${namespace}/creds: system:serviceaccount:${namespace}:deployer may not read it`;
    await askedOrRefused(controller, attacker, refusal);
    assert.deepEqual(attacker.authorizations, [], 'no credentials were sent');
    assert.ok(logged(controller.logLines(), refusal), 'the refusal names the Secret and the ServiceAccount');
  });

  it('sends BERTH_GIT_TOKEN only to the hosts of --git-credential-hosts', { timeout: 180_000 }, async (t) => {
    const namespace = await testNamespace(t, 'creds-env');
    const { rest, root } = await setUp(t, 'creds-env');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root, { token: 'controller-token' });
    t.after(() => server.close());
    await commitFiles(repository, { 'app/cm.yaml': configMapYaml(namespace, 'trusted', 'one') }, 'first');
    const attacker = await recordingServer(t);
    const appsFile = writeApplications(root, [
      application('trusted', namespace, { repoURL: server.url('deploy'), path: 'app' }),
      application('arbitrary', namespace, { repoURL: attacker.url('loot'), path: 'app' }),
    ]);
    const trustedHost = new URL(server.url('deploy')).host;
    const controller = startControllerProcess({ appsFile, env: { BERTH_GIT_TOKEN: 'controller-token', BERTH_GIT_CREDENTIAL_HOSTS: trustedHost } });
    t.after(async () => { await controller.stop(); });

    await controller.explain(eventually('the listed host to get the token', () => readConfigMapValue(rest, namespace, 'trusted'), { timeoutMs: 60_000 }));
    await controller.explain(eventually('the arbitrary host to be asked', () => Promise.resolve(attacker.requests > 0 || undefined), { timeoutMs: 60_000 }));
    assert.deepEqual(attacker.authorizations, [], 'the controller-wide token never reached an unlisted host');
  });
});
