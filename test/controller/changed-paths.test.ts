/**
 * The changed-path filter, end to end: a commit that touches one Application's
 * folder syncs that Application; the others on the same repository and branch
 * adopt the new commit without a sync, unless their filter is switched off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { startControllerProcess } from './controller-process.ts';
import { configMapYaml, readConfigMapValue, readRelease, writeApplicationsFile } from './replica-fixtures.ts';

describe('the changed-path filter', () => {
  it('syncs only the Applications whose folder a commit touched', { timeout: 180_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'paths');

    const first = await commitFiles(repository, {
      'apps/touched/config.yaml': configMapYaml(namespace, 'touched', 'v1'),
      'apps/untouched/config.yaml': configMapYaml(namespace, 'untouched', 'v1'),
      'apps/unfiltered/config.yaml': configMapYaml(namespace, 'unfiltered', 'v1'),
    }, 'first');
    const app = (name: string, changedPathFilter?: boolean) => ({
      name, namespace, repoURL: server.url('deploy'), path: `apps/${name}`, pollInterval: '2s',
      ...(changedPathFilter === undefined ? {} : { changedPathFilter }),
    });
    const appsFile = writeApplicationsFile(root, [app('touched'), app('untouched'), app('unfiltered', false)]);
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    const healthyAt = (name: string, revision: string) => async () => {
      const record = await readRelease(rest, namespace, name);
      return record?.state.status === 'Healthy' && record.state.revision === revision ? record : undefined;
    };
    for (const name of ['touched', 'untouched', 'unfiltered']) {
      await controller.explain(eventually(`${name} to be Healthy at the first commit`, healthyAt(name, first), { timeoutMs: 60_000 }));
    }
    const untouchedBefore = (await rest.request('GET', `/api/v1/namespaces/${namespace}/configmaps/untouched`)).body as { metadata: { resourceVersion: string } };

    const second = await commitFiles(repository, { 'apps/touched/config.yaml': configMapYaml(namespace, 'touched', 'v2') }, 'second');

    const touched = await controller.explain(eventually('touched to sync the second commit', healthyAt('touched', second), { timeoutMs: 60_000 }));
    assert.equal(await readConfigMapValue(rest, namespace, 'touched'), 'v2');
    assert.ok(touched.history.some((entry) => entry.revision === second), 'a sync of the commit that touched it is in its history');

    const untouched = await controller.explain(eventually('untouched to adopt the second commit', healthyAt('untouched', second), { timeoutMs: 60_000 }));
    assert.equal(untouched.appliedRevision, second);
    assert.ok(!untouched.history.some((entry) => entry.revision === second), 'no sync of a commit that changed nothing of it');
    const untouchedAfter = (await rest.request('GET', `/api/v1/namespaces/${namespace}/configmaps/untouched`)).body as { metadata: { resourceVersion: string } };
    assert.equal(untouchedAfter.metadata.resourceVersion, untouchedBefore.metadata.resourceVersion);

    const unfiltered = await controller.explain(eventually('unfiltered to sync the second commit', healthyAt('unfiltered', second), { timeoutMs: 60_000 }));
    assert.ok(unfiltered.history.some((entry) => entry.revision === second), 'with the filter off, every commit is synced');
  });
});
