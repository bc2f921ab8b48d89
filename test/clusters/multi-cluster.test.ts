/**
 * Many clusters from one controller (issue 19), on two real control planes:
 * the harness's (where Berth runs and keeps its state) and a private second one
 * registered by a cluster Secret in the controller's namespace.
 * - One Application deploys here, one there, each only where it belongs.
 * - The second cluster's token is rotated by rewriting its Secret, the old
 *   token revoked: the next commit deploys with the new one, no restart.
 * - The second cluster's API server stopped: the Application on the first
 *   keeps syncing, the one on the second turns Unknown naming its cluster, and
 *   deploys again once the API server is back.
 * - A destination a cluster Secret does not allow is refused, naming it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { RestClient } from '../../src/kube/rest.ts';
import { KubeApiError } from '../../src/kube/rest.ts';
import { uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles, createRepository } from '../harness/git-repositories.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, controllerStarted, readConfigMapValue, testControllerNamespace, writeApplicationsFile } from '../controller/replica-fixtures.ts';
import { privateControlPlane, restClientFor } from '../faults/fault-fixtures.ts';

/** A ServiceAccount of the second cluster bound to cluster-admin, and a token of it (as `berth cluster add` would make). */
async function serviceAccountToken(rest: RestClient, name: string): Promise<string> {
  await rest.request('POST', '/api/v1/namespaces/kube-system/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } } });
  await rest.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name, namespace: 'kube-system' }],
    },
  });
  const { body } = await rest.request('POST', `/api/v1/namespaces/kube-system/serviceaccounts/${name}/token`, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3_600 } },
  });
  return (body as { status: { token: string } }).status.token;
}

/** Writes (or rewrites) the cluster Secret of the second cluster in the controller's namespace. */
async function writeClusterSecret(t: TestContext, rest: RestClient, secretName: string, data: Record<string, string>): Promise<void> {
  const secret = {
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name: secretName, namespace: testControllerNamespace, labels: { 'berth.dev/secret-type': 'cluster' } },
    stringData: data,
  };
  const collection = `/api/v1/namespaces/${testControllerNamespace}/secrets`;
  try {
    await rest.request('POST', collection, { body: secret });
    t.after(async () => { await rest.request('DELETE', `${collection}/${secretName}`).catch(() => undefined); });
  } catch (error) {
    if (!(error instanceof KubeApiError && error.status === 409)) throw error;
    await rest.request('PUT', `${collection}/${secretName}`, { body: secret });
  }
}

async function statusOf(base: string, token: string, key: string): Promise<{ sync: string; health: string; cluster: string; status?: { conditions?: { type: string; message: string }[] } }> {
  const [namespace, name] = key.split('/');
  const url = `${base}/api/v1/namespaces/${namespace ?? ''}/applications/${name ?? ''}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return await response.json() as { sync: string; health: string; cluster: string; status?: { conditions?: { type: string; message: string }[] } };
}

describe('one controller, two clusters', () => {
  it('deploys to each, rotates a token without a restart, and keeps syncing one while the other is down', { timeout: 480_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'multi-cluster');
    const second = await privateControlPlane(t);
    const remote = await restClientFor(t, second.kubeconfigPath);
    await remote.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });

    const clusterName = uniqueName('second');
    const pki = path.join(second.dir, 'pki');
    const caData = fs.readFileSync(path.join(pki, 'ca.crt')).toString('base64');
    const firstToken = await serviceAccountToken(remote, 'berth-manager-1');
    await writeClusterSecret(t, rest, clusterName, {
      name: clusterName, server: second.apiServerUrl,
      config: JSON.stringify({ bearerToken: firstToken, tlsClientConfig: { caData } }),
      namespaces: namespace, applicationNamespaces: namespace,
    });

    await commitFiles(repository, {
      'apps/here/config.yaml': configMapYaml(namespace, 'here-settings', 'one'),
      'apps/there/config.yaml': configMapYaml(namespace, 'there-settings', 'one'),
    }, 'one');
    // In a repository of its own: polls are shared per repository, and the others poll every 2 s.
    const healedRepository = await createRepository(root, 'healed');
    await commitFiles(healedRepository, { 'apps/healed/config.yaml': configMapYaml(namespace, 'healed-settings', 'one') }, 'one');
    const appsFile = writeApplicationsFile(root, [
      { name: 'here', namespace, repoURL: server.url('deploy'), path: 'apps/here', pollInterval: '2s' },
      { name: 'there', namespace, repoURL: server.url('deploy'), path: 'apps/there', pollInterval: '2s', cluster: clusterName },
      // Polled every ten minutes: only the second cluster's self-heal watch can bring it back in time.
      { name: 'healed', namespace, repoURL: server.url('healed'), path: 'apps/healed', cluster: clusterName, selfHeal: true, pollInterval: '10m' },
      // The Secret allows only `namespace` there; this one asks for kube-system.
      { name: 'sneaky', namespace, repoURL: server.url('deploy'), path: 'apps/there', pollInterval: '2s', cluster: clusterName, destinationNamespace: 'kube-system' },
    ]);
    const adminToken = 'multi-cluster-admin-token-0123456789';
    const controller = startControllerProcess({ appsFile, queuePrefix: uniqueName('berth-clusters'), env: { BERTH_API_ADMIN_TOKENS: adminToken } });
    t.after(async () => { await controller.stop('SIGKILL'); });
    await controllerStarted(controller);
    const base = await controller.baseUrl();

    const valueHere = (name: string): Promise<string | undefined> => readConfigMapValue(rest, namespace, `${name}-settings`);
    const valueThere = (name: string): Promise<string | undefined> => readConfigMapValue(remote, namespace, `${name}-settings`);
    await controller.explain(eventually('each Application to deploy to its own cluster', async () =>
      (await valueHere('here')) === 'one' && (await valueThere('there')) === 'one' ? true : undefined, { timeoutMs: 90_000 }));
    assert.equal(await valueThere('here'), undefined, 'the in-cluster Application reached the second cluster');
    assert.equal(await valueHere('there'), undefined, 'the second cluster\'s Application was applied here');
    assert.equal((await statusOf(base, adminToken, `${namespace}/there`)).cluster, clusterName);
    assert.equal((await statusOf(base, adminToken, `${namespace}/here`)).cluster, 'in-cluster');
    const sneaky = await controller.explain(eventually('the Application asking for a namespace the cluster does not allow to be refused', async () => {
      const status = await statusOf(base, adminToken, `${namespace}/sneaky`);
      const ready = status.status?.conditions?.find((condition) => condition.type === 'Ready');
      return ready && /kube-system is not among the namespaces/.test(ready.message) ? ready.message : undefined;
    }, { timeoutMs: 60_000 }));
    assert.match(sneaky, new RegExp(`cluster ${clusterName}: namespace kube-system is not among the namespaces Secret ${testControllerNamespace}/${clusterName} allows`));

    // Self-heal on the second cluster: someone edits the object there; the watch on that cluster queues the heal.
    await controller.explain(eventually('the self-healed Application to deploy to the second cluster', async () => await valueThere('healed') === 'one' ? true : undefined, { timeoutMs: 60_000 }));
    await remote.request('PATCH', `/api/v1/namespaces/${namespace}/configmaps/healed-settings`, {
      contentType: 'application/merge-patch+json', body: { data: { value: 'edited by hand' } },
    });
    const editedAt = Date.now();
    await controller.explain(eventually('the edit on the second cluster to be healed by its watch', async () => await valueThere('healed') === 'one' ? true : undefined, { timeoutMs: 45_000, intervalMs: 200 }));
    t.diagnostic(`an edit on the second cluster healed ${Date.now() - editedAt} ms later (poll interval 10 minutes)`);

    // Rotation: a new token in the Secret, the old one revoked with its ServiceAccount.
    const secondToken = await serviceAccountToken(remote, 'berth-manager-2');
    await writeClusterSecret(t, rest, clusterName, {
      name: clusterName, server: second.apiServerUrl,
      config: JSON.stringify({ bearerToken: secondToken, tlsClientConfig: { caData } }),
      namespaces: namespace, applicationNamespaces: namespace,
    });
    await remote.request('DELETE', '/api/v1/namespaces/kube-system/serviceaccounts/berth-manager-1');
    await commitFiles(repository, { 'apps/there/config.yaml': configMapYaml(namespace, 'there-settings', 'rotated') }, 'rotated');
    await controller.explain(eventually('a commit after the rotation to deploy with the new token', async () => await valueThere('there') === 'rotated' ? true : undefined, { timeoutMs: 60_000 }));

    // The second cluster goes away; the first keeps syncing, and the Application there says why it waits.
    await second.stopComponent('kube-apiserver');
    const stoppedAt = Date.now();
    await commitFiles(repository, {
      'apps/here/config.yaml': configMapYaml(namespace, 'here-settings', 'during'),
      'apps/there/config.yaml': configMapYaml(namespace, 'there-settings', 'during'),
    }, 'during the outage');
    await controller.explain(eventually('the in-cluster Application to keep syncing', async () => await valueHere('here') === 'during' ? true : undefined, { timeoutMs: 60_000 }));
    t.diagnostic(`in-cluster commit deployed ${Date.now() - stoppedAt} ms after the second API server stopped`);
    const waiting = await controller.explain(eventually('the second cluster\'s Application to say its cluster is down', async () => {
      const status = await statusOf(base, adminToken, `${namespace}/there`);
      const ready = status.status?.conditions?.find((condition) => condition.type === 'Ready');
      return ready && ready.message.includes(clusterName) ? { status, message: ready.message } : undefined;
    }, { timeoutMs: 90_000 }));
    assert.equal(waiting.status.sync, 'Unknown');
    assert.match(waiting.message, new RegExp(clusterName));

    await second.startComponent('kube-apiserver');
    await controller.explain(eventually('the second cluster\'s Application to deploy once its API server is back', async () =>
      await valueThere('there').catch(() => undefined) === 'during' ? true : undefined, { timeoutMs: 240_000 }));
    assert.equal(controller.child.exitCode, null, 'the controller exited');
  });
});
