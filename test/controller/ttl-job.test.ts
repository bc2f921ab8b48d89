/**
 * A Job cleaned up by its TTL (issue 21): a Job with `ttlSecondsAfterFinished`
 * that completed at this revision and was deleted by the TTL controller is not
 * drift (the drift report says Synced) and is not run again by a commit that
 * leaves its spec alone; a commit that changes its spec runs it again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { KubeApiError } from '../../src/kube/rest.ts';
import { uniqueName } from '../harness/env.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { startControllerProcess } from './controller-process.ts';
import { configMapYaml, readConfigMapValue, readRelease } from './replica-fixtures.ts';

const adminToken = 'ttl-job-admin-token';

const jobYaml = (namespace: string, image: string, ttlSecondsAfterFinished = 5): string => dump({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace },
  spec: {
    ttlSecondsAfterFinished, backoffLimit: 0,
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image }] } },
  },
});

describe('a Job cleaned up by its TTL', () => {
  it('is not drift, and runs again only when its spec changes', { timeout: 300_000 }, async (t) => {
    const { namespace, rest, root, repository, repoURL } = await integrationSetUp(t, 'ttl-job');
    const first = await commitFiles(repository, {
      'apps/web/job.yaml': jobYaml(namespace, 'registry.example/migrate:1'),
      'apps/web/config.yaml': configMapYaml(namespace, 'settings', 'one'),
    }, 'first');
    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
      spec: {
        source: { repoURL, targetRevision: 'main', path: 'apps/web' },
        destination: { namespace },
        syncPolicy: { automated: { prune: true, selfHeal: true }, pollInterval: '5s', rollback: { enabled: true, healthTimeout: '2m' } },
      },
    }));
    const prefix = uniqueName('berth-ttl-job');
    cleanUpPrefix(t, prefix);
    const controller = startControllerProcess({ appsFile, queuePrefix: prefix, env: { BERTH_API_ADMIN_TOKENS: adminToken } });
    t.after(async () => { await controller.stop(); });
    const base = await controller.baseUrl();
    const drift = async (): Promise<{ status: string; objects: { kind: string; name: string; status: string }[] }> => {
      const response = await fetch(`${base}/api/v1/namespaces/${namespace}/applications/web/drift`, { headers: { authorization: `Bearer ${adminToken}` } });
      return await response.json() as { status: string; objects: { kind: string; name: string; status: string }[] };
    };
    const jobPath = `/apis/batch/v1/namespaces/${namespace}/jobs/migrate`;
    const jobExists = async (): Promise<boolean> => {
      try {
        await rest.request('GET', jobPath);
        return true;
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return false;
        throw error;
      }
    };

    await controller.explain(eventually('the first revision to be Healthy', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Healthy' && record.appliedRevision === first ? true : undefined;
    }, { timeoutMs: 90_000 }));
    await controller.explain(eventually('the TTL controller to delete the completed Job', async () => (await jobExists() ? undefined : true), { timeoutMs: 60_000 }));

    const report = await controller.explain(eventually('the drift report to say Synced with the Job gone', async () => {
      const current = await drift();
      return current.status === 'Synced' ? current : undefined;
    }, { timeoutMs: 30_000 }));
    assert.deepEqual(report.objects.find((object) => object.kind === 'Job'), { ...report.objects.find((object) => object.kind === 'Job'), name: 'migrate', status: 'Synced' });
    const record = await readRelease(rest, namespace, 'web');
    assert.deepEqual(record?.history.filter((entry) => entry.message.startsWith('self-heal:')).map((entry) => entry.message), [], 'the Job its TTL deleted was not healed back');
    assert.deepEqual(record.completedJobs?.map(({ namespace: ns, name, revision }) => ({ ns, name, revision })), [{ ns: namespace, name: 'migrate', revision: first }]);

    // A commit that leaves the Job's spec alone does not run it again.
    const second = await commitFiles(repository, { 'apps/web/config.yaml': configMapYaml(namespace, 'settings', 'two') }, 'second');
    await controller.explain(eventually('the second revision to be Healthy', async () => {
      const current = await readRelease(rest, namespace, 'web');
      return current?.state.status === 'Healthy' && current.appliedRevision === second && await readConfigMapValue(rest, namespace, 'settings') === 'two' ? true : undefined;
    }, { timeoutMs: 60_000 }));
    assert.equal(await jobExists(), false, 'the completed Job was not created again');
    assert.equal((await drift()).status, 'Synced');

    // A commit that changes its spec runs it again.
    await commitFiles(repository, { 'apps/web/job.yaml': jobYaml(namespace, 'registry.example/migrate:2') }, 'third');
    await controller.explain(eventually('the changed Job to run again', async () => (await jobExists() ? true : undefined), { timeoutMs: 60_000 }));
  });

  // ingress-nginx's admission Jobs: with `ttlSecondsAfterFinished: 0` the Job is gone before
  // Berth ever reads it Complete; its `Completed` Event (which outlives it) tells the rollout.
  it('with ttlSecondsAfterFinished 0: the rollout is Healthy long before the health timeout', { timeout: 300_000 }, async (t) => {
    const { namespace, rest, root, repository, repoURL } = await integrationSetUp(t, 'ttl-zero');
    const first = await commitFiles(repository, {
      'apps/web/job.yaml': jobYaml(namespace, 'registry.example/admission:1', 0),
      'apps/web/config.yaml': configMapYaml(namespace, 'settings', 'one'),
    }, 'first');
    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
      spec: {
        source: { repoURL, targetRevision: 'main', path: 'apps/web' },
        destination: { namespace },
        syncPolicy: { automated: { prune: true, selfHeal: true }, pollInterval: '5s', rollback: { enabled: true, healthTimeout: '5m' } },
      },
    }));
    const prefix = uniqueName('berth-ttl-zero');
    cleanUpPrefix(t, prefix);
    const controller = startControllerProcess({ appsFile, queuePrefix: prefix, env: { BERTH_API_ADMIN_TOKENS: adminToken } });
    t.after(async () => { await controller.stop(); });
    const base = await controller.baseUrl();
    const drift = async (): Promise<{ status: string }> => {
      const response = await fetch(`${base}/api/v1/namespaces/${namespace}/applications/web/drift`, { headers: { authorization: `Bearer ${adminToken}` } });
      return await response.json() as { status: string };
    };
    const jobExists = async (): Promise<boolean> => {
      try {
        await rest.request('GET', `/apis/batch/v1/namespaces/${namespace}/jobs/migrate`);
        return true;
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return false;
        throw error;
      }
    };

    // 90 s on a loaded machine, against a 5-minute health timeout.
    await controller.explain(eventually('the first revision to be Healthy before the health timeout', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Healthy' && record.appliedRevision === first ? true : undefined;
    }, { timeoutMs: 90_000 }));
    assert.equal(await jobExists(), false, 'the TTL controller deleted the Job');
    await controller.explain(eventually('the drift report to say Synced', async () => ((await drift()).status === 'Synced' ? true : undefined), { timeoutMs: 30_000 }));
    const record = await controller.explain(eventually('the completion to be recorded', async () => {
      const current = await readRelease(rest, namespace, 'web');
      return current?.completedJobs?.length ? current : undefined;
    }, { timeoutMs: 30_000 }));
    assert.deepEqual(record.completedJobs?.map(({ name, revision }) => ({ name, revision })), [{ name: 'migrate', revision: first }]);

    const second = await commitFiles(repository, { 'apps/web/config.yaml': configMapYaml(namespace, 'settings', 'two') }, 'second');
    await controller.explain(eventually('the second revision to be Healthy', async () => {
      const current = await readRelease(rest, namespace, 'web');
      return current?.state.status === 'Healthy' && current.appliedRevision === second && await readConfigMapValue(rest, namespace, 'settings') === 'two' ? true : undefined;
    }, { timeoutMs: 60_000 }));
    // A Job run again would be gone again by now (TTL 0): the job controller's Events tell how many ran.
    const { body } = await rest.request('GET', `/api/v1/namespaces/${namespace}/events`, { query: { fieldSelector: 'involvedObject.kind=Job,involvedObject.name=migrate,reason=Completed' } });
    const uids = new Set((body as { items: { involvedObject: { uid?: string } }[] }).items.map((event) => event.involvedObject.uid));
    assert.equal(uids.size, 1, 'the completed Job was not created again');
    assert.equal((await drift()).status, 'Synced');

    // A TTL-0 Job that fails fails the rollout as a failed Job does, and is rolled back. kwok
    // completes every Job pod on its nodes, so this one's pod is never scheduled (no node has the
    // label) and its deadline fails the Job (DeadlineExceeded); TTL 0 then deletes it.
    const failing = dump({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace },
      spec: {
        ttlSecondsAfterFinished: 0, backoffLimit: 0, activeDeadlineSeconds: 3,
        template: {
          spec: { restartPolicy: 'Never', nodeSelector: { 'berth.dev/test-no-such-node': 'true' }, containers: [{ name: 'migrate', image: 'registry.example/admission:2' }] },
        },
      },
    });
    const broken = await commitFiles(repository, { 'apps/web/job.yaml': failing }, 'broken');
    const rolledBack = await controller.explain(eventually('the failing Job to fail the rollout and be rolled back', async () => {
      const current = await readRelease(rest, namespace, 'web');
      return current?.state.failedRevision === broken && current.state.status === 'Healthy' ? current : undefined;
    }, { timeoutMs: 120_000 }));
    const failure = rolledBack.history.find((entry) => entry.revision === broken && entry.phase === 'Failed');
    assert.ok(failure, rolledBack.history.map((entry) => `${entry.revision.slice(0, 7)}:${entry.phase}`).join(', '));
    assert.match(failure.message, /DeadlineExceeded|deadline/i);
  });
});
