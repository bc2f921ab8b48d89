/**
 * A new Application on a repository the controller already polls resolves its
 * ref at the Git server, not from the refs another Application listed moments
 * ago: those can predate the commit that added its folder. Created right after
 * that commit, it becomes Healthy at it without waiting for a poll, and is never
 * held back for a path "missing" at a stale commit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { installApplicationCrd } from '../application/install-crd.ts';
import { startControllerProcess, type ControllerProcess } from './controller-process.ts';
import { configMapYaml, readRelease, reconciledLines } from './replica-fixtures.ts';

const adminToken = 'new-app-fresh-ref-admin-token';

async function api(controller: ControllerProcess, route: string): Promise<void> {
  const response = await fetch(`${await controller.baseUrl()}${route}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
  if (!response.ok) throw new Error(`POST ${route}: ${response.status} ${await response.text()}`);
}

describe('a new Application on an already-polled repository', () => {
  it('resolves its ref fresh: Healthy at the commit that added its folder, before any poll', { timeout: 240_000 }, async (t) => {
    const { namespace, rest, repository, repoURL } = await integrationSetUp(t, 'fresh-ref');
    await installApplicationCrd(rest);
    const application = (name: string, path: string) => ({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
      spec: {
        source: { repoURL, targetRevision: 'main', path },
        destination: { namespace },
        // Long enough that a poll cannot hide a stale first reconcile within the bound below.
        syncPolicy: { automated: { prune: true }, pollInterval: '10m' },
      },
    });
    const uids = new Map<string, string>();
    const create = async (name: string, path: string): Promise<void> => {
      const { body } = await rest.request('POST', `/apis/berth.dev/v1alpha1/namespaces/${namespace}/applications`, { body: application(name, path) });
      uids.set(name, (body as { metadata: { uid: string } }).metadata.uid);
    };

    const first = await commitFiles(repository, { 'apps/a/config.yaml': configMapYaml(namespace, 'a', 'v1') }, 'first');
    await create('a', 'apps/a');
    const controller = startControllerProcess({ watchCluster: true, namespaces: [namespace], env: { BERTH_API_ADMIN_TOKENS: adminToken } });
    t.after(async () => { await controller.stop(); });

    const healthyAt = (name: string, revision: string) => async () => {
      const record = await readRelease(rest, namespace, name, uids.get(name));
      return record?.state.status === 'Healthy' && record.state.revision === revision ? record : undefined;
    };
    await controller.explain(eventually('a to be Healthy at the first commit', healthyAt('a', first), { timeoutMs: 90_000 }));

    // A refresh of a lists the refs now: the shared refs are as fresh as they get, and predate the next commit.
    const reconciledA = (): number => reconciledLines(controller).filter((line) => line.app === `${namespace}/a`).length;
    const before = reconciledA();
    await api(controller, `/api/v1/namespaces/${namespace}/applications/a/refresh`);
    await controller.explain(eventually('the refresh of a to be reconciled', () => Promise.resolve(reconciledA() > before ? true : undefined), { timeoutMs: 60_000 }));

    const second = await commitFiles(repository, { 'fresh/config.yaml': configMapYaml(namespace, 'b', 'v1') }, 'adds fresh/');
    await create('b', 'fresh');

    // A tenth of the poll interval: only a fresh first resolution gets there.
    const record = await controller.explain(eventually('b to be Healthy at the commit that added its folder', healthyAt('b', second), { timeoutMs: 60_000 }));
    assert.equal(record.state.failedRevision, undefined);
    assert.deepEqual(record.history.filter((entry) => entry.phase === 'Failed').map((entry) => entry.revision), []);
    const missing = controller.logLines().filter((line) => line.app === `${namespace}/b` && JSON.stringify(line).includes('is not a folder'));
    assert.deepEqual(missing, [], 'b was never reported with a missing path');
  });
});
