/**
 * Faults under running controllers. A controller killed with SIGKILL in the
 * middle of a sync leaves its job locked; another controller recovers it once
 * the lock expires and its stalled-job check runs, and finishes the
 * Application. Redis stopped and started again (a private redis-server without
 * persistence, since the shared one serves other tests): the controllers
 * reconnect, a trigger sent during the outage is deployed, both controllers
 * still take work, and polling resumes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { Redis } from 'ioredis';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { resolveQueueOptions } from '../../src/queue/options.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { redisUrl, testKubeConfig, testNamespace, uniqueName } from '../harness/env.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { freePort } from '../harness/ports.ts';
import { isRunning, stopProcess } from '../harness/processes.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { startControllerProcess, type ControllerProcess } from './controller-process.ts';
import {
  configMapYaml, controllerStarted, finishedJobRuns, readConfigMapValue, readRelease, reconciledLines, startPrivateRedis, writeApplicationsFile,
} from './replica-fixtures.ts';

/** A PreSync hook Pod: kwok runs it but never completes it (no Job owns it), so the sync waits until the test says. */
function hookPodYaml(namespace: string): string {
  return dump({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'presync', namespace, annotations: { 'berth.dev/hook': 'PreSync' } },
    spec: { restartPolicy: 'Never', containers: [{ name: 'hook', image: 'registry.example/hook:1' }] },
  });
}

async function podUid(rest: RestClient, namespace: string, name: string): Promise<{ uid: string; deleting: boolean; phase: string | undefined } | undefined> {
  try {
    const { body } = await rest.request('GET', `/api/v1/namespaces/${namespace}/pods/${name}`);
    const pod = body as { metadata: { uid: string; deletionTimestamp?: string }; status?: { phase?: string } };
    return { uid: pod.metadata.uid, deleting: pod.metadata.deletionTimestamp !== undefined, phase: pod.status?.phase };
  } catch {
    return undefined;
  }
}

/**
 * Marks the hook Pod Succeeded unless it already is. Called on every poll, not
 * once: kwok's pod-ready stage writes phase Running when it first sees a Pod,
 * and on a loaded machine that can come after this patch and undo it.
 */
async function completeHook(rest: RestClient, namespace: string, uid: string): Promise<void> {
  const hook = await podUid(rest, namespace, 'presync');
  if (hook === undefined || hook.uid !== uid || hook.deleting || hook.phase === 'Succeeded') return;
  await rest.request('PATCH', `/api/v1/namespaces/${namespace}/pods/presync/status`, {
    contentType: 'application/merge-patch+json', body: { status: { phase: 'Succeeded' } },
  }).catch(() => undefined);
}

/** The keys of the poll queue (its Job Schedulers, their next ticks), for failure messages. */
async function pollKeys(url: string, prefix: string): Promise<string[]> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return (await redis.keys(`${prefix}:poll:*`)).sort();
  } finally {
    redis.disconnect();
  }
}

const isAlive = (controller: ControllerProcess): boolean => controller.child.exitCode === null && controller.child.signalCode === null;

describe('a controller killed in the middle of a sync', () => {
  it('leaves the Application to another controller, which finishes it within the stalled-job interval', { timeout: 120_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'worker-death');
    const commit = await commitFiles(repository, {
      'apps/slow/presync.yaml': hookPodYaml(namespace),
      'apps/slow/config.yaml': configMapYaml(namespace, 'slow-settings', 'synced'),
    }, 'slow');
    const appsFile = writeApplicationsFile(root, [{ name: 'slow', namespace, repoURL: server.url('deploy'), path: 'apps/slow', pollInterval: '10m' }]);
    const prefix = uniqueName('berth-death');
    cleanUpPrefix(t, prefix);

    // Short recovery timings (flags of the controller), so the bound is tight and the test quick.
    // A dead worker's lock outlives it by up to lockDuration; a stalled check marks the job, the
    // next one moves it; and a check may be skipped once when another worker's check key has not
    // expired yet (BullMQ's checks share one key with a time-to-live of the interval).
    const recovery = { stalledIntervalMs: 4_000, lockDurationMs: 4_000 };
    const recoveryBoundMs = recovery.lockDurationMs + 3 * recovery.stalledIntervalMs + 15_000;

    // The first controller alone, so it is the one that takes the job; it stops at the hook.
    const first = startControllerProcess({ appsFile, queuePrefix: prefix, recovery });
    t.after(async () => { await first.stop('SIGKILL'); });
    const firstHook = await first.explain(eventually('the first controller to start the PreSync hook', () => podUid(rest, namespace, 'presync'), { timeoutMs: 60_000 }));
    const second = startControllerProcess({ appsFile, queuePrefix: prefix, recovery });
    t.after(async () => { await second.stop(); });
    await controllerStarted(second);

    // Mid-sync: the hook runs, the Sync phase has not started, and the second
    // controller's start-up trigger did not start a reconcile of its own.
    assert.equal((await podUid(rest, namespace, 'presync'))?.uid, firstHook.uid);
    assert.equal(await readConfigMapValue(rest, namespace, 'slow-settings'), undefined);
    const killedAt = Date.now();
    first.child.kill('SIGKILL');

    // The recovered reconcile deletes the hook's previous run and creates it again; that run succeeds.
    const secondHook = await second.explain(eventually('the second controller to run the hook again', async () => {
      const hook = await podUid(rest, namespace, 'presync');
      return hook === undefined || hook.uid === firstHook.uid || hook.deleting ? undefined : hook;
    }, { timeoutMs: recoveryBoundMs, intervalMs: 200 }));
    const record = await second.explain(eventually('the Application to be Healthy at its commit', async () => {
      await completeHook(rest, namespace, secondHook.uid);
      const release = await readRelease(rest, namespace, 'slow');
      return release?.state.status === 'Healthy' && release.state.revision === commit ? release : undefined;
    }, { timeoutMs: recoveryBoundMs, intervalMs: 200 }));
    const finishedIn = Date.now() - killedAt;
    t.diagnostic(`finished ${finishedIn} ms after the kill (bound ${recoveryBoundMs} ms)`);

    assert.ok(finishedIn <= recoveryBoundMs, `finished ${finishedIn} ms after the kill, more than ${recoveryBoundMs} ms`);
    assert.equal(record.appliedRevision, commit);
    assert.equal(await readConfigMapValue(rest, namespace, 'slow-settings'), 'synced');
    assert.ok(second.logLines().some((line) => line.msg === 'reconcile job recovered from a worker that stopped'), 'the second controller never recovered a stalled job');
    // The record is saved before the reconcile logs and its job completes: wait for those.
    const queue = new ReconcileQueue(resolveQueueOptions({ redisUrl: redisUrl(), prefix }));
    t.after(() => queue.close());
    const recovered = await eventually('the recovered job to complete', async () => {
      const runs = (await finishedJobRuns(queue)).filter((run) => run.app === `${namespace}/slow` && run.stalledCounter > 0);
      return runs.length > 0 ? runs : undefined;
    }, { timeoutMs: 10_000 });
    assert.equal(recovered.length, 1, 'exactly one job of the Application was recovered from the dead controller');
    assert.equal(recovered[0]?.failedReason, undefined);
    assert.ok(reconciledLines(second).some((line) => line.app === `${namespace}/slow` && line.revision === commit && line.state === 'Healthy'));
  });
});

describe('a Redis restart under running controllers', () => {
  it('is survived: a trigger sent during the outage is deployed, and both controllers take work again', { timeout: 120_000 }, async (t) => {
    const namespace = await testNamespace(t, 'redis-restart');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    const root = await tempDir('redis-restart-git-');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });
    // Two repositories, so that each trigger after the restart asks its server for fresh refs.
    const repositories = { one: await createRepository(root, 'one'), two: await createRepository(root, 'two') };
    for (const [name, repository] of Object.entries(repositories)) {
      await commitFiles(repository, { [`apps/${name}/config.yaml`]: configMapYaml(namespace, `${name}-settings`, 'before') }, 'before');
    }
    const appsFile = writeApplicationsFile(root, Object.keys(repositories).map((name) => ({
      name, namespace, repoURL: server.url(name), path: `apps/${name}`, pollInterval: '10m',
    })));

    const port = await freePort();
    const logDir = path.join(root, 'redis-logs');
    fs.mkdirSync(logDir);
    let redis = await startPrivateRedis(t, port, logDir);
    const url = `redis://127.0.0.1:${port}`;
    const prefix = uniqueName('berth-restart');
    const controllers = [0, 1].map(() => startControllerProcess({ appsFile, queuePrefix: prefix, redisUrl: url }));
    t.after(async () => { await Promise.all(controllers.map((controller) => controller.stop('SIGKILL'))); });
    await Promise.all(controllers.map((controller) => controllerStarted(controller)));
    const queue = new ReconcileQueue(resolveQueueOptions({ redisUrl: url, prefix, reconnect: { baseDelayMs: 50, maxDelayMs: 500 } }));
    t.after(() => queue.close());
    const valueOf = (name: string): Promise<string | undefined> => readConfigMapValue(rest, namespace, `${name}-settings`);
    for (const name of Object.keys(repositories)) {
      await controllers[0]?.explain(eventually(`${name} to be deployed`, async () => await valueOf(name) === 'before' ? true : undefined, { timeoutMs: 30_000 }));
    }

    const stoppedAt = Date.now();
    await stopProcess(redis, 5_000);
    await controllers[0]?.explain(eventually('both controllers to notice Redis is gone', () => Promise.resolve(controllers.every((controller) =>
      controller.logLines().some((line) => Date.parse(String(line.time)) >= stoppedAt && /redis/i.test(String(line.msg)))) ? true : undefined), { timeoutMs: 15_000 }));
    const during = {
      one: await commitFiles(repositories.one, { 'apps/one/config.yaml': configMapYaml(namespace, 'one-settings', 'during') }, 'during'),
      two: await commitFiles(repositories.two, { 'apps/two/config.yaml': configMapYaml(namespace, 'two-settings', 'during') }, 'during'),
    };
    // Held by the client until Redis is back.
    const sentDuringOutage = queue.enqueue({ app: `${namespace}/one`, reason: 'webhook', revision: during.one });
    redis = await startPrivateRedis(t, port, logDir);
    await sentDuringOutage;

    const deployedOne = (controller: ControllerProcess): boolean => reconciledLines(controller).some((line) => line.app === `${namespace}/one` && line.revision === during.one);
    const deployer = await controllers[0]?.explain(eventually('the trigger sent during the outage to be deployed', () => {
      const index = controllers.findIndex(deployedOne);
      return Promise.resolve(index >= 0 ? index : undefined);
    }, { timeoutMs: 30_000 })) ?? -1;
    assert.equal((await readRelease(rest, namespace, 'one'))?.state.revision, during.one);
    assert.equal(await valueOf('one'), 'during');
    assert.ok(controllers.every(isAlive), 'a controller exited during the outage');

    // Whichever controller deployed it stops; the other must take the next trigger.
    const other = controllers[1 - deployer];
    assert.ok(other !== undefined);
    await controllers[deployer]?.stop();
    await queue.enqueue({ app: `${namespace}/two`, reason: 'webhook', revision: during.two });
    await other.explain(eventually('the other controller to deploy the next trigger', () =>
      Promise.resolve(reconciledLines(other).some((line) => line.app === `${namespace}/two` && line.revision === during.two) ? true : undefined), { timeoutMs: 30_000 }));
    assert.equal(await valueOf('two'), 'during');
    assert.ok(isRunning(redis));
  });

  it('does not stop polling: a commit after the restart is deployed without any trigger', { timeout: 90_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'redis-poll');
    await commitFiles(repository, { 'apps/web/config.yaml': configMapYaml(namespace, 'web-settings', 'before') }, 'before');
    const appsFile = writeApplicationsFile(root, [{ name: 'web', namespace, repoURL: server.url('deploy'), path: 'apps/web', pollInterval: '2s' }]);

    const port = await freePort();
    const logDir = path.join(root, 'redis-logs');
    fs.mkdirSync(logDir);
    const redis = await startPrivateRedis(t, port, logDir);
    const prefix = uniqueName('berth-restart-poll');
    const controller = startControllerProcess({ appsFile, queuePrefix: prefix, redisUrl: `redis://127.0.0.1:${port}` });
    t.after(async () => { await controller.stop('SIGKILL'); });
    await controllerStarted(controller);
    // Ref listings are shared for up to 10 s (src/source/git-source.ts), so a poll may see a commit that late.
    const pollBoundMs = 30_000;
    const deployedBy = async (revision: string): Promise<void> => {
      await controller.explain(eventually(`commit ${revision.slice(0, 8)} to be deployed by polling`, async () =>
        (await readRelease(rest, namespace, 'web'))?.state.revision === revision ? true : undefined, { timeoutMs: pollBoundMs })
        .catch(async (error: unknown) => {
          const keys = await pollKeys(`redis://127.0.0.1:${port}`, prefix);
          throw new Error(`${error instanceof Error ? error.message : String(error)}; poll queue keys in Redis: ${keys.join(', ') || 'none'}`, { cause: error });
        }));
    };
    await deployedBy(await commitFiles(repository, { 'apps/web/config.yaml': configMapYaml(namespace, 'web-settings', 'polled') }, 'polled'));

    await stopProcess(redis, 5_000);
    await startPrivateRedis(t, port, logDir);
    await deployedBy(await commitFiles(repository, { 'apps/web/config.yaml': configMapYaml(namespace, 'web-settings', 'after') }, 'after'));
    assert.equal(await readConfigMapValue(rest, namespace, 'web-settings'), 'after');
    assert.ok(isAlive(controller));
  });
});
