/**
 * One reconcile per Application at a time, the last trigger wins, and a
 * trigger never waits behind a delayed recheck: first what BullMQ's own
 * deduplication options do (the reason for the layer's choices), then the layer.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { Queue, Worker, type DeduplicationOptions } from 'bullmq';
import { eventually } from '../harness/eventually.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { startReconcileWorker } from '../../src/queue/reconcile-worker.ts';
import type { ReconcileFunction, ReconcileJob } from '../../src/queue/reconcile-job.ts';
import { cleanUpPrefix, testQueueOptions } from './helpers.ts';

interface Processed extends ReconcileJob {
  at: number;
}

/** A queue and a worker whose reconcile records every job it runs, then calls `behave`. */
async function startLayer(t: TestContext, behave: (job: ReconcileJob) => Promise<{ recheckAt?: number }> = () => Promise.resolve({}), concurrency = 2) {
  const options = testQueueOptions({ concurrency });
  cleanUpPrefix(t, options.prefix);
  const queue = new ReconcileQueue(options);
  const processed: Processed[] = [];
  const reconcile: ReconcileFunction = async (job) => {
    processed.push({ ...job, at: Date.now() });
    return await behave(job);
  };
  const worker = await startReconcileWorker(queue, reconcile);
  t.after(async () => {
    await worker.close();
    await queue.close();
  });
  return { queue, processed, worker };
}

type Counts = Partial<Record<'active' | 'waiting' | 'prioritized' | 'delayed', number>>;

/**
 * Resolves once nothing is left that could still run: no job active, waiting
 * or delayed (a follow-up BullMQ keeps for an active job is added as that job
 * completes, and a recheck before it completes). What ran by then is all that
 * will run, so a test can assert that something did not.
 */
async function idle(what: string, counts: () => Promise<Counts>, ran: () => boolean = () => true): Promise<void> {
  await eventually(`${what}, and the queue idle`, async () => {
    const { active = 0, waiting = 0, prioritized = 0, delayed = 0 } = await counts();
    return ran() && active + waiting + prioritized + delayed === 0 ? true : undefined;
  }, { timeoutMs: 10_000, intervalMs: 20 });
}

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  return { opened, open };
}

describe("BullMQ's deduplication with keepLastIfActive, for a trigger arriving while a recheck is delayed", () => {
  async function raceRecheckAndWebhook(t: TestContext, extra: Partial<DeduplicationOptions>) {
    const options = testQueueOptions();
    cleanUpPrefix(t, options.prefix);
    const connection = { url: options.redisUrl };
    const queue = new Queue<{ kind: string }>('raw', { connection, prefix: options.prefix });
    const deduplication: DeduplicationOptions = { id: 'shop/web', keepLastIfActive: true, ...extra };
    const started = Date.now();
    await queue.add('reconcile', { kind: 'recheck' }, { delay: 1_500, deduplication });
    await queue.add('reconcile', { kind: 'webhook' }, { deduplication });
    const seen: { kind: string; afterMs: number }[] = [];
    const worker = new Worker<{ kind: string }>('raw', (job) => {
      seen.push({ kind: job.data.kind, afterMs: Date.now() - started });
      return Promise.resolve();
    }, { connection, prefix: options.prefix });
    t.after(async () => {
      await worker.close();
      await queue.close();
    });
    await idle('a job ran', () => queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed'), () => seen.length > 0);
    return seen;
  }

  it('alone, drops the trigger: the recheck runs once its delay is over', async (t) => {
    const seen = await raceRecheckAndWebhook(t, {});
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.kind, 'recheck');
    assert.ok(seen[0].afterMs >= 1_500, `ran after ${seen[0].afterMs}ms`);
  });

  it('with reschedule, runs the delayed job at once but with the old data', async (t) => {
    const seen = await raceRecheckAndWebhook(t, { reschedule: true });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.kind, 'recheck');
    assert.ok(seen[0].afterMs < 1_500, `ran after ${seen[0].afterMs}ms`);
  });

  it('with replace, removes the delayed job and runs the trigger at once (what Berth uses)', async (t) => {
    const seen = await raceRecheckAndWebhook(t, { replace: true });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.kind, 'webhook');
    assert.ok(seen[0].afterMs < 1_500, `ran after ${seen[0].afterMs}ms`);
  });
});

describe('the reconcile queue', () => {
  it('runs a burst that arrives while a job waits once, with the last trigger', async (t) => {
    const options = testQueueOptions();
    cleanUpPrefix(t, options.prefix);
    const queue = new ReconcileQueue(options);
    t.after(() => queue.close());
    for (let i = 1; i <= 10; i++) await queue.enqueue({ app: 'shop/web', reason: 'webhook', revision: `rev-${i}` });
    // Every job has a priority (reconcile-queue.ts), so a job ready to run is 'prioritized'.
    const ready = await queue.depth();
    assert.equal(ready.waiting + ready.prioritized, 1, 'ten triggers left more than one waiting job');
    const processed: ReconcileJob[] = [];
    const worker = await startReconcileWorker(queue, (job) => {
      processed.push(job);
      return Promise.resolve({});
    });
    t.after(() => worker.close());
    await idle('the burst is processed', () => queue.depth(), () => processed.length > 0);
    assert.deepEqual(processed.map((job) => job.revision), ['rev-10']);
  });

  it('keeps a waiting manual operation when plain triggers arrive after it', async (t) => {
    const options = testQueueOptions();
    cleanUpPrefix(t, options.prefix);
    const queue = new ReconcileQueue(options);
    t.after(() => queue.close());
    await queue.enqueue({ app: 'shop/web', reason: 'manual', operation: { kind: 'rollback', revision: 'rev-good' } });
    await queue.enqueue({ app: 'shop/web', reason: 'webhook', revision: 'rev-new' });
    await queue.enqueue({ app: 'shop/web', reason: 'watch' });
    await queue.enqueue({ app: 'shop/web', reason: 'poll' });
    const processed: ReconcileJob[] = [];
    const worker = await startReconcileWorker(queue, (job) => {
      processed.push(job);
      return Promise.resolve({});
    });
    t.after(() => worker.close());
    await idle('the operation is processed', () => queue.depth(), () => processed.length > 0);
    assert.deepEqual(processed.map((job) => job.operation), [{ kind: 'rollback', revision: 'rev-good' }]);
  });

  it('follows a burst that arrives during a reconcile with exactly one more, carrying the last trigger', async (t) => {
    const running = gate();
    const release = gate();
    const { queue, processed } = await startLayer(t, async (job) => {
      if (job.revision === 'first') {
        running.open();
        await release.opened;
      }
      return {};
    });
    await queue.enqueue({ app: 'shop/web', reason: 'manual', revision: 'first' });
    await running.opened;
    for (let i = 1; i <= 10; i++) await queue.enqueue({ app: 'shop/web', reason: 'watch', revision: `rev-${i}` });
    const depth = await queue.depth();
    assert.equal(depth.active + depth.waiting + depth.prioritized + depth.delayed, 1, 'a second job exists while the first is active');
    release.open();
    await idle('the follow-up ran', () => queue.depth(), () => processed.length >= 2);
    assert.deepEqual(processed.map((job) => job.revision), ['first', 'rev-10']);
  });

  it('runs a trigger at once when it arrives while a recheck is delayed, and drops the recheck', async (t) => {
    const recheckInMs = 1_500;
    const { queue, processed } = await startLayer(t, (job) => Promise.resolve(job.reason === 'startup' ? { recheckAt: Date.now() + recheckInMs } : {}));
    await queue.enqueue({ app: 'shop/web', reason: 'startup' });
    await eventually('the recheck is scheduled', async () => ((await queue.depth()).delayed === 1 ? true : undefined), { timeoutMs: 10_000 });
    const sent = Date.now();
    await queue.enqueue({ app: 'shop/web', reason: 'webhook', revision: 'abc' });
    const webhook = await eventually('the webhook is processed', () => Promise.resolve(processed.find((job) => job.reason === 'webhook')), { timeoutMs: 10_000, intervalMs: 20 });
    assert.equal(webhook.revision, 'abc');
    assert.ok(webhook.at - sent < recheckInMs, `the webhook waited ${webhook.at - sent}ms, as long as the recheck delay`);
    await idle('the webhook ran', () => queue.depth());
    assert.deepEqual(processed.map((job) => job.reason), ['startup', 'webhook'], 'the replaced recheck still ran');
  });

  it('lets a delayed recheck take a poll tick that arrives meanwhile, keeping its time and its priority', async (t) => {
    const recheckInMs = 1_500;
    const { queue, processed } = await startLayer(t, (job) => Promise.resolve(job.reason === 'startup' ? { recheckAt: Date.now() + recheckInMs } : {}));
    await queue.enqueue({ app: 'shop/web', reason: 'startup' });
    await eventually('the recheck is scheduled', async () => ((await queue.depth()).delayed === 1 ? true : undefined), { timeoutMs: 10_000 });
    const scheduled = Date.now();
    await queue.enqueue({ app: 'shop/web', reason: 'poll' });
    const depth = await queue.depth();
    assert.deepEqual({ delayed: depth.delayed, ready: depth.waiting + depth.prioritized }, { delayed: 1, ready: 0 }, 'the poll tick replaced the recheck');
    const poll = await eventually('the recheck runs with the poll\'s trigger', () => Promise.resolve(processed.find((job) => job.reason === 'poll')), { timeoutMs: 10_000, intervalMs: 20 });
    assert.ok(poll.at - scheduled >= recheckInMs - 300, `ran ${poll.at - scheduled}ms after the tick, before the recheck was due`);
    await idle('the poll ran', () => queue.depth());
    assert.deepEqual(processed.map((job) => job.reason), ['startup', 'poll']);
  });

  it('runs a trigger that arrived during a reconcile right after it, even when that reconcile asks for a recheck', async (t) => {
    const running = gate();
    const release = gate();
    const recheckInMs = 3_000;
    const { queue, processed } = await startLayer(t, async (job) => {
      if (job.reason !== 'startup') return {};
      running.open();
      await release.opened;
      return { recheckAt: Date.now() + recheckInMs };
    });
    await queue.enqueue({ app: 'shop/web', reason: 'startup' });
    await running.opened;
    // BullMQ alone would let the recheck, added after this trigger, overwrite it.
    await queue.enqueue({ app: 'shop/web', reason: 'webhook', revision: 'def' });
    const released = Date.now();
    release.open();
    const webhook = await eventually('the webhook is processed', () => Promise.resolve(processed.find((job) => job.reason === 'webhook')), { timeoutMs: 10_000, intervalMs: 20 });
    assert.equal(webhook.revision, 'def');
    assert.ok(webhook.at - released < recheckInMs, `the webhook waited ${webhook.at - released}ms, as long as the recheck delay`);
  });

  it('holds no worker while a recheck waits: other Applications run meanwhile', async (t) => {
    const recheckInMs = 800;
    let asked = 0;
    const { queue, processed } = await startLayer(t, (job) => {
      if (job.app === 'shop/web' && asked === 0) {
        asked++;
        return Promise.resolve({ recheckAt: Date.now() + recheckInMs });
      }
      return Promise.resolve({});
    }, 1);
    await queue.enqueue({ app: 'shop/web', reason: 'startup' });
    await eventually('the recheck is scheduled', async () => ((await queue.depth()).delayed === 1 ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
    await queue.enqueue({ app: 'shop/cart', reason: 'startup' });
    const recheck = await eventually('the recheck ran', () => Promise.resolve(processed.find((job) => job.reason === 'recheck')), { timeoutMs: 10_000, intervalMs: 20 });
    const first = processed[0];
    const other = processed.find((job) => job.app === 'shop/cart');
    assert.ok(first !== undefined && other !== undefined);
    assert.ok(other.at < recheck.at, 'the other Application waited for the recheck');
    assert.ok(recheck.at - first.at >= recheckInMs - 50, `the recheck came after ${recheck.at - first.at}ms, before its time`);
    assert.equal(recheck.app, 'shop/web');
  });

  it('runs a due recheck before the start-up triggers queued ahead of it, and a manual sync before a poll', async (t) => {
    const options = testQueueOptions({ concurrency: 1 });
    cleanUpPrefix(t, options.prefix);
    const queue = new ReconcileQueue(options);
    for (let i = 1; i <= 5; i++) await queue.enqueue({ app: `shop/app-${i}`, reason: 'startup' });
    await queue.enqueue({ app: 'shop/polled', reason: 'poll' });
    await queue.enqueue({ app: 'shop/asked', reason: 'manual' });
    await queue.requestRecheck('shop/rolling-out', Date.now());
    const processed: string[] = [];
    const worker = await startReconcileWorker(queue, (job) => {
      processed.push(job.app);
      return Promise.resolve({});
    });
    t.after(async () => {
      await worker.close();
      await queue.close();
    });
    await eventually('all eight ran', () => Promise.resolve(processed.length === 8 ? true : undefined), { timeoutMs: 10_000 });
    assert.deepEqual(processed.slice(0, 2), ['shop/rolling-out', 'shop/asked']);
    assert.deepEqual(processed.slice(2), ['shop/app-1', 'shop/app-2', 'shop/app-3', 'shop/app-4', 'shop/app-5', 'shop/polled'], 'triggers of one priority keep their order');
  });

  it('refuses a trigger with a malformed Application name', async (t) => {
    const options = testQueueOptions();
    cleanUpPrefix(t, options.prefix);
    const queue = new ReconcileQueue(options);
    t.after(() => queue.close());
    await assert.rejects(queue.enqueue({ app: 'no-namespace', reason: 'manual' }), TypeError);
    const depth = await queue.depth();
    assert.equal(depth.waiting + depth.prioritized, 0);
  });
});
