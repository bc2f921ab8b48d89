/**
 * A controller process that dies (SIGKILL) or is told to stop (SIGTERM) in the
 * middle of reconciles: a killed worker's job is finished by another worker
 * within the stalled-job interval; a stopping worker takes no new job, lets its
 * in-flight ones finish within the drain timeout, and leaves the rest to others.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { eventually } from '../harness/eventually.ts';
import type { ManagedProcess } from '../harness/processes.ts';
import type { ResolvedQueueOptions } from '../../src/queue/options.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { startReconcileWorker } from '../../src/queue/reconcile-worker.ts';
import type { ReconcileJob } from '../../src/queue/reconcile-job.ts';
import { cleanUpPrefix, processLog, readRecord, startWorkerProcess, testQueueOptions, testRedis, type RecordEntry } from './helpers.ts';

// Short, so the test is quick: a dead worker's lock expires after lockDurationMs
// and the next stalled check (every stalledIntervalMs) hands its job over.
const lockDurationMs = 1_500;
const stalledIntervalMs = 500;

async function startChild(t: TestContext, options: ResolvedQueueOptions, workMs: [number, number], extra: { concurrency?: number; drainTimeoutMs?: number } = {}) {
  const redis = await testRedis(t);
  const child = await startWorkerProcess(t, 'worker', {
    options: { redisUrl: options.redisUrl, prefix: options.prefix, lockDurationMs, stalledIntervalMs, concurrency: extra.concurrency ?? 1, drainTimeoutMs: extra.drainTimeoutMs ?? 5_000 },
    workMs,
  });
  const entries = (event: RecordEntry['event']) => async () => (await readRecord(redis, options.prefix)).filter((entry) => entry.event === event && entry.pid === child.child.pid);
  await eventually('the worker process is ready', async () => ((await entries('ready')()).length > 0 ? true : undefined), { timeoutMs: 30_000 })
    .catch(async (error: unknown) => { throw new Error(`worker process did not start:\n${await processLog(child)}`, { cause: error }); });
  return { child, redis, entries };
}

/** A worker in this process that records what it reconciles. */
async function startRescuer(t: TestContext, options: ResolvedQueueOptions) {
  const queue = new ReconcileQueue(options);
  const reconciled: (ReconcileJob & { jobId: string; at: number })[] = [];
  const worker = await startReconcileWorker(queue, (job, context) => {
    reconciled.push({ ...job, jobId: context.jobId, at: Date.now() });
    return Promise.resolve({});
  });
  t.after(async () => {
    await worker.close();
    await queue.close();
  });
  return { queue, reconciled };
}

function exited(child: ManagedProcess): Promise<number | null> {
  return child.exited.then(() => child.child.exitCode);
}

describe('a worker that dies', () => {
  it('has its reconcile finished by another worker within the stalled-job interval', async (t) => {
    const options = testQueueOptions({ lockDurationMs, stalledIntervalMs });
    cleanUpPrefix(t, options.prefix);
    const { child, entries } = await startChild(t, options, [60_000, 60_000]);
    const producer = new ReconcileQueue(options);
    t.after(() => producer.close());
    await producer.enqueue({ app: 'shop/web', reason: 'webhook', revision: 'r1' });
    const [started] = await eventually('the reconcile started in the worker process', async () => {
      const found = await entries('start')();
      return found.length > 0 ? found : undefined;
    }, { timeoutMs: 10_000, intervalMs: 50 });

    const { queue, reconciled } = await startRescuer(t, options);
    child.child.kill('SIGKILL');
    const killedAt = Date.now();
    await child.exited;

    const rescued = await eventually('another worker reconciles shop/web', () => Promise.resolve(reconciled.find((job) => job.app === 'shop/web')), { timeoutMs: 20_000, intervalMs: 50 });
    assert.equal(rescued.jobId, started?.job, 'another job ran, not the one the dead worker held');
    assert.equal(rescued.revision, 'r1', 'the rescued job lost its trigger');
    const bound = lockDurationMs + 2 * stalledIntervalMs + 1_000;
    assert.ok(rescued.at - killedAt <= bound, `recovered ${rescued.at - killedAt}ms after the kill, later than ${bound}ms`);
    await eventually('the job completes', async () => ((await queue.depth()).completed === 1 ? true : undefined), { timeoutMs: 10_000 });
    assert.equal((await queue.depth()).failed, 0);
    t.diagnostic(`recovered ${rescued.at - killedAt}ms after SIGKILL`);
  });
});

describe('a worker told to stop (SIGTERM)', () => {
  it('finishes its in-flight reconciles, takes no new one, and exits', async (t) => {
    const options = testQueueOptions({ lockDurationMs, stalledIntervalMs });
    cleanUpPrefix(t, options.prefix);
    const { child, entries } = await startChild(t, options, [1_500, 1_500], { concurrency: 2, drainTimeoutMs: 10_000 });
    const producer = new ReconcileQueue(options);
    t.after(() => producer.close());
    await producer.enqueue({ app: 'shop/a', reason: 'manual' });
    await producer.enqueue({ app: 'shop/b', reason: 'manual' });
    await eventually('both reconciles started', async () => ((await entries('start')()).length === 2 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
    await producer.enqueue({ app: 'shop/c', reason: 'manual' });

    child.child.kill('SIGTERM');
    assert.equal(await exited(child), 0, await processLog(child));

    const ended = (await entries('end')()).map((entry) => entry.app).sort();
    assert.deepEqual(ended, ['shop/a', 'shop/b'], 'in-flight reconciles were cut off');
    assert.deepEqual((await entries('start')()).map((entry) => entry.app).filter((app) => app === 'shop/c'), [], 'a new job was taken while draining');
    const [drained] = await entries('drained')();
    assert.equal(drained?.finished, true);
    const depth = await producer.depth();
    // Every job has a priority (reconcile-queue.ts): the one left to run is 'prioritized'.
    assert.deepEqual({ ready: depth.waiting + depth.prioritized, active: depth.active, completed: depth.completed }, { ready: 1, active: 0, completed: 2 });
  });

  it('gives up on a reconcile that outlasts the drain timeout, and another worker finishes it', async (t) => {
    const options = testQueueOptions({ lockDurationMs, stalledIntervalMs });
    cleanUpPrefix(t, options.prefix);
    const drainTimeoutMs = 500;
    const { child, entries } = await startChild(t, options, [30_000, 30_000], { drainTimeoutMs });
    const producer = new ReconcileQueue(options);
    t.after(() => producer.close());
    await producer.enqueue({ app: 'shop/slow', reason: 'manual', revision: 'r7' });
    await eventually('the reconcile started', async () => ((await entries('start')()).length === 1 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });

    const signalledAt = Date.now();
    child.child.kill('SIGTERM');
    assert.equal(await exited(child), 0, await processLog(child));
    const stoppedAfter = Date.now() - signalledAt;
    assert.ok(stoppedAfter < 10_000, `the worker took ${stoppedAfter}ms to stop with a ${drainTimeoutMs}ms drain timeout`);
    const [drained] = await entries('drained')();
    assert.equal(drained?.finished, false);
    assert.equal((await entries('end')()).length, 0);

    const { queue, reconciled } = await startRescuer(t, options);
    const rescued = await eventually('another worker reconciles shop/slow', () => Promise.resolve(reconciled.find((job) => job.app === 'shop/slow')), { timeoutMs: 20_000, intervalMs: 50 });
    assert.equal(rescued.revision, 'r7');
    await eventually('the job completes', async () => ((await queue.depth()).completed === 1 ? true : undefined), { timeoutMs: 10_000 });
  });
});
