/**
 * Redis with an append-only file, stopped and started again. Work queued while
 * no controller runs is still there after the restart (the very jobs, not just
 * their effect: a Redis that lost its data would number jobs from 1 again), and
 * a controller started afterwards deploys every Application. Then the same with
 * a controller running through the restart: it stays up and deploys a trigger
 * sent while Redis was down. A private control plane, since its Redis goes away.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveQueueOptions } from '../../src/queue/options.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, controllerStarted, readConfigMapValue, readRelease, reconciledLines, writeApplicationsFile } from '../controller/replica-fixtures.ts';
import { createNamespace, isAlive, logLinesSince, privateControlPlane, removeAfter, restClientFor } from './fault-fixtures.ts';

const appNames = ['one', 'two', 'three'] as const;

describe('Redis restarted with persistence', () => {
  it('keeps the queued work: jobs queued before the restart are the ones deployed after it', { timeout: 180_000 }, async (t) => {
    const plane = await privateControlPlane(t, { redisPersistence: true });
    const rest = await restClientFor(t, plane.kubeconfigPath);
    const namespace = await createNamespace(rest, 'redis-aof');
    const root = await tempDir('redis-aof-git-');
    removeAfter(t, root);
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(() => server.close());
    const files = Object.fromEntries(appNames.map((name) => [`apps/${name}/config.yaml`, configMapYaml(namespace, `${name}-settings`, 'queued')]));
    const commit = await commitFiles(repository, files, 'queued');
    const appsFile = writeApplicationsFile(root, appNames.map((name) => ({
      name, namespace, repoURL: server.url('deploy'), path: `apps/${name}`, pollInterval: '10m',
    })));
    const prefix = uniqueName('berth-aof');
    const queue = new ReconcileQueue(resolveQueueOptions({ redisUrl: plane.redisUrl, prefix, reconnect: { baseDelayMs: 50, maxDelayMs: 500 } }));
    t.after(() => queue.close());

    // Queued while no controller runs.
    for (const name of appNames) await queue.enqueue({ app: `${namespace}/${name}`, reason: 'webhook', revision: commit });
    const queued = await queue.queue.getJobs(['waiting', 'prioritized']);
    assert.equal(queued.length, appNames.length);
    const queuedIds = new Map(queued.map((job) => [job.data.app, job.id ?? '']));

    await plane.stopComponent('redis');
    await plane.startComponent('redis');
    const after = await queue.queue.getJobs(['waiting', 'prioritized']);
    assert.deepEqual(new Map(after.map((job) => [job.data.app, job.id ?? ''])), queuedIds, 'the queued jobs did not survive the restart');

    const controller = startControllerProcess({ appsFile, kubeconfig: plane.kubeconfigPath, redisUrl: plane.redisUrl, queuePrefix: prefix });
    t.after(async () => { await controller.stop('SIGKILL'); });
    for (const name of appNames) {
      await controller.explain(eventually(`${name} to be deployed`, async () =>
        (await readRelease(rest, namespace, name))?.state.status === 'Healthy' ? true : undefined, { timeoutMs: 60_000 }));
      assert.equal(await readConfigMapValue(rest, namespace, `${name}-settings`), 'queued');
    }
    // The jobs that ran are the ones queued before the restart (the controller's
    // start-up triggers folded into them), and each completed.
    for (const [app, id] of queuedIds) {
      const job = await queue.queue.getJob(id);
      assert.equal(job?.data.app, app, `job ${id} is not ${app}'s`);
      // The record is saved before the job completes.
      const state = await eventually(`job ${id} of ${app} to finish`, async () => {
        const now = await job.getState();
        return now === 'completed' || now === 'failed' ? now : undefined;
      }, { timeoutMs: 10_000 });
      assert.equal(state, 'completed', `job ${id} of ${app} failed`);
    }

    // A restart under a running controller: it stays up, and a trigger sent while Redis is down is deployed.
    await controllerStarted(controller);
    const stoppedAt = Date.now();
    await plane.stopComponent('redis');
    await controller.explain(eventually('the controller to notice Redis is gone', () =>
      Promise.resolve(logLinesSince(controller, stoppedAt).some((line) => /redis/i.test(String(line.msg))) ? true : undefined), { timeoutMs: 15_000 }));
    const next = await commitFiles(repository, { 'apps/one/config.yaml': configMapYaml(namespace, 'one-settings', 'during') }, 'during');
    const sentDuringOutage = queue.enqueue({ app: `${namespace}/one`, reason: 'webhook', revision: next });
    await plane.startComponent('redis');
    await sentDuringOutage;
    await controller.explain(eventually('the trigger sent during the outage to be deployed', async () =>
      (await readRelease(rest, namespace, 'one'))?.state.revision === next ? true : undefined, { timeoutMs: 60_000 }));
    assert.equal(await readConfigMapValue(rest, namespace, 'one-settings'), 'during');
    // The record is saved just before the reconcile logs its end.
    await controller.explain(eventually('the reconcile of the new commit to end', () =>
      Promise.resolve(reconciledLines(controller).some((line) => line.app === `${namespace}/one` && line.revision === next) ? true : undefined), { timeoutMs: 10_000 }));
    assert.ok(isAlive(controller), 'the controller exited during the Redis restart');
  });
});
