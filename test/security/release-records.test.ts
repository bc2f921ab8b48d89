/**
 * Release records tenants cannot write (issue 13, finding 2), on the real
 * control plane with the controller as a separate process. A tenant who could
 * edit its Application's release record (once a ConfigMap beside the
 * Application) could add any object to the inventory, and the next sync with
 * prune deleted it: a ConfigMap in kube-system, a whole Namespace. Now the
 * record lives in the controller's namespace, so what a tenant writes beside its
 * Application is ignored; a record left there by an older Berth is moved once,
 * keeping only inventory entries whose live object carries the Application's mark.
 * Both tests failed before the fix: the victims were deleted.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ObjectRef } from '../../objects.ts';
import type { ReleaseRecord } from '../../sync/index.ts';
import { KubeApiError, type RestClient } from '../../src/kube/rest.ts';
import { testNamespace, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, readConfigMapValue, readRelease, writeApplicationsFile } from '../controller/replica-fixtures.ts';
import { commitFiles } from '../harness/git-repositories.ts';

const configMapRef = (namespace: string, name: string): ObjectRef => ({ group: '', version: 'v1', kind: 'ConfigMap', namespace, name });
const namespaceRef = (name: string): ObjectRef => ({ group: '', version: 'v1', kind: 'Namespace', namespace: '', name });

async function exists(rest: RestClient, apiPath: string): Promise<boolean> {
  try {
    await rest.request('GET', apiPath);
    return true;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return false;
    throw error;
  }
}

/** Objects no tenant may have deleted: a ConfigMap in kube-system and a Namespace of someone else. */
async function victims(t: TestContext, rest: RestClient): Promise<{ refs: ObjectRef[]; allAlive(): Promise<boolean> }> {
  const name = uniqueName('berth-victim');
  await rest.request('POST', '/api/v1/namespaces/kube-system/configmaps', {
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { precious: 'yes' } },
  });
  t.after(async () => { await rest.request('DELETE', `/api/v1/namespaces/kube-system/configmaps/${name}`).catch(() => undefined); });
  const namespace = await testNamespace(t, 'victim');
  return {
    refs: [configMapRef('kube-system', name), namespaceRef(namespace)],
    async allAlive() {
      const namespaceObject = await rest.request('GET', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
      const terminating = (namespaceObject?.body as { metadata?: { deletionTimestamp?: string } } | undefined)?.metadata?.deletionTimestamp;
      return await exists(rest, `/api/v1/namespaces/kube-system/configmaps/${name}`) && namespaceObject !== undefined && terminating === undefined;
    },
  };
}

/** Writes `record` as the tenant would: the ConfigMap beside the Application, with the tenant's own field manager. */
async function writeAsTenant(rest: RestClient, namespace: string, app: string, record: unknown, extra: Record<string, string> = {}): Promise<void> {
  await rest.request('PATCH', `/api/v1/namespaces/${namespace}/configmaps/berth-release-${app}`, {
    query: { fieldManager: 'tenant', force: 'true' },
    contentType: 'application/apply-patch+yaml',
    body: {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: `berth-release-${app}`, namespace, annotations: extra },
      data: { 'release.json': JSON.stringify(record) },
    },
  });
}

describe('release records a tenant cannot write', () => {
  it('a tenant who adds a kube-system ConfigMap and a Namespace to its record cannot make prune delete them', { timeout: 240_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'records');
    const targets = await victims(t, rest);
    const first = await commitFiles(repository, {
      'app/a.yaml': configMapYaml(namespace, 'a', 'one'),
      'app/b.yaml': configMapYaml(namespace, 'b', 'one'),
    }, 'first');
    const appsFile = writeApplicationsFile(root, [{ name: 'shop', namespace, repoURL: server.url('deploy'), path: 'app', pollInterval: '2s' }]);
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    const record = await controller.explain(eventually('the first commit to be Healthy', async () => {
      const current = await readRelease(rest, namespace, 'shop');
      return current?.state.status === 'Healthy' && current.state.revision === first ? current : undefined;
    }, { timeoutMs: 90_000 }));

    // The tenant edits the record where it can write (beside its Application).
    const tampered: ReleaseRecord = { ...record, inventory: { entries: [...record.inventory.entries, ...targets.refs] } };
    await writeAsTenant(rest, namespace, 'shop', tampered);

    // A commit that removes b: the sync prunes, so a tampered inventory would be acted on now.
    const second = await commitFiles(repository, { 'app/b.yaml': null }, 'remove b');
    const after = await controller.explain(eventually('the second commit to be synced and b pruned', async () => {
      const current = await readRelease(rest, namespace, 'shop');
      const synced = current?.history.some((entry) => entry.revision === second && entry.phase === 'Succeeded');
      return synced && await readConfigMapValue(rest, namespace, 'b') === undefined ? current : undefined;
    }, { timeoutMs: 90_000 }));

    assert.ok(await targets.allAlive(), 'the kube-system ConfigMap and the Namespace are still there');
    assert.equal(await readConfigMapValue(rest, namespace, 'a'), 'one');
    const named = after.inventory.entries.map((ref) => `${ref.kind}/${ref.namespace}/${ref.name}`);
    assert.deepEqual(named, [`ConfigMap/${namespace}/a`], 'the inventory holds only what the Application applied');
  });

  it('moves a record left beside the Application by an older Berth, keeping only inventory entries that carry its mark', { timeout: 240_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'records-move');
    const targets = await victims(t, rest);
    // An object this Application applied before (it carries the mark), which the new commit no longer renders.
    await rest.request('POST', `/api/v1/namespaces/${namespace}/configmaps`, {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'retired', annotations: { 'berth.dev/app': `${namespace}/shop` } }, data: { value: 'old' } },
    });
    const oldRecord = {
      state: { status: 'Healthy', reason: 'RolloutSucceeded', message: 'healthy', revision: 'f'.repeat(40), initiator: 'auto', lastHealthyRevision: 'f'.repeat(40), failedRevision: 'e'.repeat(40) },
      inventory: { entries: [configMapRef(namespace, 'retired'), ...targets.refs] },
      history: [{ id: 1, revision: 'f'.repeat(40), initiator: 'auto', phase: 'Succeeded', startedAt: '2026-11-01T00:00:00.000Z', finishedAt: '2026-11-01T00:00:01.000Z', message: 'from an older Berth' }],
    };
    await writeAsTenant(rest, namespace, 'shop', oldRecord);

    const first = await commitFiles(repository, { 'app/a.yaml': configMapYaml(namespace, 'a', 'one') }, 'first');
    const appsFile = writeApplicationsFile(root, [{ name: 'shop', namespace, repoURL: server.url('deploy'), path: 'app', pollInterval: '2s' }]);
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    const record = await controller.explain(eventually('the commit to be Healthy and the retired object pruned', async () => {
      const current = await readRelease(rest, namespace, 'shop');
      const healthy = current?.state.status === 'Healthy' && current.state.revision === first;
      return healthy && await readConfigMapValue(rest, namespace, 'retired') === undefined ? current : undefined;
    }, { timeoutMs: 90_000 }));

    assert.ok(await targets.allAlive(), 'inventory entries without the mark were not taken, so not pruned');
    assert.ok(record.history.some((entry) => entry.message === 'from an older Berth'), 'history is taken over');
    assert.equal(await exists(rest, `/api/v1/namespaces/${namespace}/configmaps/berth-release-shop`), false, 'the old record is deleted once moved');
  });
});
