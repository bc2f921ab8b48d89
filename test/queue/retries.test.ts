/**
 * The queue's own job retries, which are for infrastructure failures only (a
 * reconcile that threw because Redis, the API server or Git was unreachable;
 * an Application's failed sync is retried by its release after
 * spec.syncPolicy.retry, see test/controller/retry-policy.test.ts): retried
 * with growing, jittered delays; invalid input fails at once; a global limit
 * caps reconciles across replicas.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../harness/eventually.ts';
import { InvalidSourceError } from '../../src/errors.ts';
import { TransientSyncError, UnrecoverableSyncError } from '../../sync/errors.ts';
import type { ResolvedQueueOptions } from '../../src/queue/options.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { startReconcileWorker } from '../../src/queue/reconcile-worker.ts';
import type { ReconcileFunction } from '../../src/queue/reconcile-job.ts';
import { cleanUpPrefix, testQueueOptions } from './helpers.ts';

async function startLayer(t: TestContext, options: ResolvedQueueOptions, reconcile: ReconcileFunction, workers = 1) {
  cleanUpPrefix(t, options.prefix);
  const queue = new ReconcileQueue(options);
  // Separate ReconcileQueue instances: separate connections, as separate replicas would have.
  const replicas = await Promise.all(Array.from({ length: workers }, async () => {
    const own = new ReconcileQueue(options);
    return { own, worker: await startReconcileWorker(own, reconcile) };
  }));
  t.after(async () => {
    for (const { own, worker } of replicas) {
      await worker.close();
      await own.close();
    }
    await queue.close();
  });
  return { queue, workers: replicas.map(({ worker }) => worker) };
}

describe('job retries for infrastructure failures', () => {
  it('retry a reconcile that threw a transient error with exponentially growing, jittered delays', async (t) => {
    const baseDelayMs = 400;
    const options = testQueueOptions({ concurrency: 8, retry: { attempts: 3, baseDelayMs, factor: 2, maxDelayMs: 10_000, jitter: 0.5 } });
    // Per app: when each attempt started, and the delay the backoff chose after each failure.
    const attempts = new Map<string, { at: number; delay: number }[]>();
    const { queue, workers } = await startLayer(t, options, (job) => {
      attempts.set(job.app, [...(attempts.get(job.app) ?? []), { at: Date.now(), delay: -1 }]);
      if ((attempts.get(job.app)?.length ?? 0) < 3) return Promise.reject(new TransientSyncError('API server unreachable'));
      return Promise.resolve({});
    });
    for (const { worker } of workers) {
      worker.on('failed', (job) => {
        const next = job === undefined ? undefined : attempts.get(job.data.app)?.length;
        const entry = job === undefined || next === undefined ? undefined : attempts.get(job.data.app)?.[next - 1];
        if (entry !== undefined && job !== undefined) entry.delay = job.delay;
      });
    }
    const apps = Array.from({ length: 8 }, (_, i) => `shop/app-${i}`);
    for (const app of apps) await queue.enqueue({ app, reason: 'manual' });
    await eventually('every job completes on its third attempt', async () => ((await queue.depth()).completed === apps.length ? true : undefined), { timeoutMs: 30_000 });

    const firstDelays: number[] = [];
    const secondDelays: number[] = [];
    for (const app of apps) {
      const seen = attempts.get(app) ?? [];
      assert.equal(seen.length, 3, `${app} ran ${seen.length} times`);
      const [first, second, third] = seen;
      assert.ok(first !== undefined && second !== undefined && third !== undefined);
      // The delay chosen after the first failure is drawn from [base/2, base], after the second from [base, 2*base] ...
      assert.ok(first.delay >= baseDelayMs / 2 && first.delay <= baseDelayMs, `first retry delay ${first.delay}ms`);
      assert.ok(second.delay >= baseDelayMs && second.delay <= 2 * baseDelayMs, `second retry delay ${second.delay}ms`);
      // ... and honoured: no retry comes before its delay is over.
      assert.ok(second.at - first.at >= first.delay, `${app}: retried after ${second.at - first.at}ms, delay ${first.delay}ms`);
      assert.ok(third.at - second.at >= second.delay, `${app}: retried after ${third.at - second.at}ms, delay ${second.delay}ms`);
      firstDelays.push(first.delay);
      secondDelays.push(second.delay);
    }
    const spread = (values: number[]) => Math.max(...values) - Math.min(...values);
    // Eight draws over a 200 ms (then 400 ms) range: all within 20 ms of each other would mean no jitter.
    assert.ok(spread(firstDelays) > 20, `first retry delays ${firstDelays.join(', ')}ms: no jitter`);
    assert.ok(spread(secondDelays) > 20, `second retry delays ${secondDelays.join(', ')}ms: no jitter`);
    t.diagnostic(`first retry delays ${firstDelays.join(', ')}ms; second ${secondDelays.join(', ')}ms`);
  });

  it('fail invalid input at once, without a retry', async (t) => {
    const options = testQueueOptions({ retry: { attempts: 4, baseDelayMs: 50 } });
    const failures: Record<string, () => Error> = {
      'shop/source': () => new InvalidSourceError('RevisionNotFound', 'https://git.example/shop.git@nope: revision not found'),
      'shop/manifests': () => new UnrecoverableSyncError('InvalidManifests', ['Deployment/shop/web: spec.replicas: must be an integer']),
      'shop/named': () => Object.assign(new Error('hand-made'), { name: 'UnrecoverableError' }),
      'shop/transient': () => new TransientSyncError('API server unreachable'),
    };
    const calls = new Map<string, number>();
    const { queue } = await startLayer(t, options, (job) => {
      calls.set(job.app, (calls.get(job.app) ?? 0) + 1);
      return Promise.reject((failures[job.app] ?? (() => new Error('unexpected app')))());
    });
    for (const app of Object.keys(failures)) await queue.enqueue({ app, reason: 'manual' });
    await eventually('every job has failed for good', async () => ((await queue.depth()).failed === 4 ? true : undefined), { timeoutMs: 20_000 });
    assert.deepEqual(Object.fromEntries(calls), { 'shop/source': 1, 'shop/manifests': 1, 'shop/named': 1, 'shop/transient': 4 });
    const failed = await queue.queue.getFailed();
    const reasonOf = (app: string) => failed.find((job) => job.data.app === app)?.failedReason ?? '';
    assert.match(reasonOf('shop/source'), /revision not found/);
    assert.match(reasonOf('shop/manifests'), /spec\.replicas/);
  });

  it('fail a job whose data is not a reconcile job without calling reconcile', async (t) => {
    let called = 0;
    const { queue } = await startLayer(t, testQueueOptions(), () => {
      called++;
      return Promise.resolve({});
    });
    await queue.queue.add('reconcile-scheduled', { app: 'shop/web', reason: 'manual', manifests: 'a: 1' } as never);
    await eventually('the job failed', async () => ((await queue.depth()).failed === 1 ? true : undefined), { timeoutMs: 10_000 });
    assert.equal(called, 0);
    const [job] = await queue.queue.getFailed();
    assert.match(job?.failedReason ?? '', /invalid data/);
    assert.equal(job?.attemptsMade, 1);
  });
});

describe('concurrency', () => {
  async function maxInFlight(t: TestContext, options: ResolvedQueueOptions, workers: number): Promise<number> {
    let inFlight = 0;
    let peak = 0;
    const { queue } = await startLayer(t, options, async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(150);
      inFlight--;
      return {};
    }, workers);
    for (let i = 0; i < 12; i++) await queue.enqueue({ app: `shop/app-${i}`, reason: 'poll' });
    await eventually('all reconciles ran', async () => ((await queue.depth()).completed === 12 ? true : undefined), { timeoutMs: 20_000 });
    return peak;
  }

  it('runs at most `concurrency` reconciles in one process', async (t) => {
    assert.equal(await maxInFlight(t, testQueueOptions({ concurrency: 3 }), 1), 3);
  });

  it('runs at most `globalConcurrency` reconciles across replicas', async (t) => {
    assert.equal(await maxInFlight(t, testQueueOptions({ concurrency: 3, globalConcurrency: 2 }), 2), 2);
  });
});
