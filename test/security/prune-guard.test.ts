/**
 * What stands between a release record and a delete, on the real control plane
 * with the controller as a separate process: even a record in the controller's
 * namespace (which no tenant can write, but an admin, a restore or a bug can)
 * makes prune delete only objects that carry the Application's `berth.dev/app`
 * mark; and a record that fails validation (here: one copied from another
 * Application) stops the Application, naming the ConfigMap, and prunes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseReleaseRecord, serializeReleaseRecord, type ReleaseOwner, type ReleaseRecord } from '../../sync/index.ts';
import { releaseRecordPath } from '../../src/controller/release-store.ts';
import type { RestClient } from '../../src/kube/rest.ts';
import { testNamespace, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, readConfigMapValue, readRelease, testControllerNamespace, writeApplicationsFile } from '../controller/replica-fixtures.ts';
import { commitFiles } from '../harness/git-repositories.ts';

/** Overwrites the record of `owner` in the controller's namespace as `text`, as an admin would. */
async function writeRecord(rest: RestClient, owner: ReleaseOwner, text: string): Promise<void> {
  const apiPath = releaseRecordPath(testControllerNamespace, owner);
  await rest.request('PATCH', apiPath, {
    query: { fieldManager: 'admin', force: 'true' },
    contentType: 'application/apply-patch+yaml',
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: apiPath.split('/').at(-1), namespace: testControllerNamespace }, data: { 'release.json': text } },
  });
}

async function readRecordText(rest: RestClient, owner: ReleaseOwner): Promise<string> {
  const { body } = await rest.request('GET', releaseRecordPath(testControllerNamespace, owner));
  return (body as { data: Record<string, string> }).data['release.json'] ?? '';
}

describe('prune guards', () => {
  it('never deletes an object of the inventory that does not carry the Application\'s mark', { timeout: 240_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'guard');
    const outsider = await testNamespace(t, 'guard-outsider');
    const foreign = uniqueName('foreign');
    await rest.request('POST', `/api/v1/namespaces/${namespace}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: foreign }, data: { value: 'theirs' } } });
    const owner = { namespace, name: 'shop' };
    const first = await commitFiles(repository, { 'app/a.yaml': configMapYaml(namespace, 'a', 'one'), 'app/b.yaml': configMapYaml(namespace, 'b', 'one') }, 'first');
    const appsFile = writeApplicationsFile(root, [{ name: 'shop', namespace, repoURL: server.url('deploy'), path: 'app', pollInterval: '2s' }]);
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    await controller.explain(eventually('the first commit to be Healthy', async () => {
      const record = await readRelease(rest, namespace, 'shop');
      return record?.state.status === 'Healthy' && record.state.revision === first ? record : undefined;
    }, { timeoutMs: 90_000 }));

    // The record itself names objects Berth never applied: one beside the Application, and a Namespace.
    const parsed = parseReleaseRecord(await readRecordText(rest, owner), owner);
    assert.ok(parsed.ok);
    const widened: ReleaseRecord = {
      ...parsed.record,
      inventory: { entries: [...parsed.record.inventory.entries,
        { group: '', version: 'v1', kind: 'ConfigMap', namespace, name: foreign },
        { group: '', version: 'v1', kind: 'Namespace', namespace: '', name: outsider }] },
    };
    await writeRecord(rest, owner, serializeReleaseRecord(widened, owner));

    const second = await commitFiles(repository, { 'app/b.yaml': null }, 'remove b');
    const after = await controller.explain(eventually('the second commit to be synced and b pruned', async () => {
      const record = await readRelease(rest, namespace, 'shop');
      const synced = record?.history.some((entry) => entry.revision === second && entry.phase === 'Succeeded');
      return synced && await readConfigMapValue(rest, namespace, 'b') === undefined ? record : undefined;
    }, { timeoutMs: 90_000 }));

    assert.equal(await readConfigMapValue(rest, namespace, foreign), 'theirs', 'the unmarked ConfigMap is still there');
    const outsiderObject = (await rest.request('GET', `/api/v1/namespaces/${outsider}`)).body as { metadata: { deletionTimestamp?: string } };
    assert.equal(outsiderObject.metadata.deletionTimestamp, undefined, 'the unmarked Namespace is not being deleted');
    assert.deepEqual(after.inventory.entries.map((ref) => ref.name), ['a'], 'refused candidates leave the inventory');
  });

  it('stops an Application whose record belongs to another Application, naming the ConfigMap, and prunes nothing', { timeout: 240_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'guard-invalid');
    const owner = { namespace, name: 'shop' };
    const first = await commitFiles(repository, { 'app/a.yaml': configMapYaml(namespace, 'a', 'one'), 'app/b.yaml': configMapYaml(namespace, 'b', 'one') }, 'first');
    const appsFile = writeApplicationsFile(root, [{ name: 'shop', namespace, repoURL: server.url('deploy'), path: 'app', pollInterval: '2s' }]);
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    const record = await controller.explain(eventually('the first commit to be Healthy', async () => {
      const current = await readRelease(rest, namespace, 'shop');
      return current?.state.status === 'Healthy' && current.state.revision === first ? current : undefined;
    }, { timeoutMs: 90_000 }));

    // A record written for another Application, put in this one's place.
    await writeRecord(rest, owner, serializeReleaseRecord(record, { namespace: 'elsewhere', name: 'shop' }));
    await commitFiles(repository, { 'app/b.yaml': null }, 'remove b');

    const configMap = `ConfigMap ${testControllerNamespace}/${releaseRecordPath(testControllerNamespace, owner).split('/').at(-1) ?? ''}: release record invalid: owner`;
    const mentions = (): number => controller.logLines().filter((line) => JSON.stringify(line).includes(configMap)).length;
    // Several reconciles after the commit (a poll every 2 s), each refused.
    await controller.explain(eventually('the invalid record to be reported on several reconciles', () => Promise.resolve(mentions() >= 3 ? true : undefined), { timeoutMs: 90_000 }));
    assert.equal(await readConfigMapValue(rest, namespace, 'b'), 'one', 'nothing was pruned');
    assert.equal(await readConfigMapValue(rest, namespace, 'a'), 'one');
  });
});
