/**
 * Polling scheduled in Redis: one Job Scheduler per (repository, ref), whichever
 * replica syncs the set and however many Applications track it; each tick is
 * processed once and fans out to the Applications tracking that repository.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { eventually } from '../harness/eventually.ts';
import { PollSchedulers, pollOffsetMs, pollSchedulerId, type PollTarget } from '../../src/queue/poll-schedulers.ts';
import { startPollWorker } from '../../src/queue/poll-worker.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { startReconcileWorker } from '../../src/queue/reconcile-worker.ts';
import type { ReconcileJob } from '../../src/queue/reconcile-job.ts';
import type { ResolvedQueueOptions } from '../../src/queue/options.ts';
import { cleanUpPrefix, testQueueOptions } from './helpers.ts';

function target(repo: string, ref: string, everyMs: number): PollTarget {
  const repoURL = `https://git.example/${repo}.git`;
  return { key: `${repoURL}#${ref}`, repoURL, ref, everyMs };
}

/** One replica's scheduler client, closed when the test ends. */
function replica(t: TestContext, options: ResolvedQueueOptions): PollSchedulers {
  const schedulers = new PollSchedulers(options);
  t.after(() => schedulers.close());
  return schedulers;
}

describe('poll schedulers', () => {
  it('keep one scheduler per repository and ref across replicas, and follow interval changes and removals', async (t) => {
    const options = testQueueOptions();
    cleanUpPrefix(t, options.prefix);
    const [a, b] = [replica(t, options), replica(t, options)];
    const shopMain = target('shop', 'main', 180_000);
    const shopDev = target('shop', 'dev', 180_000);
    const infra = target('infra', 'main', 180_000);
    // Two Applications track shop@main.
    const desired = [shopMain, { ...shopMain }, shopDev, infra];

    assert.deepEqual((await a.syncSchedulers(desired)).created.sort(), [infra.key, shopDev.key, shopMain.key]);
    assert.deepEqual(await b.syncSchedulers(desired), { created: [], updated: [], removed: [] });
    assert.equal(await a.queue.getJobSchedulersCount(), 3);
    const scheduled = await b.scheduled();
    for (const { key } of [shopMain, shopDev, infra]) {
      assert.equal(scheduled.get(key)?.everyMs, 180_000, key);
      assert.equal(scheduled.get(key)?.offsetMs, pollOffsetMs(key, 180_000), `${key}: offset not the key's own`);
    }
    assert.equal((await a.depth()).delayed, 3, 'not one pending tick per scheduler');

    const faster = { ...shopMain, everyMs: 60_000 };
    assert.deepEqual(await b.syncSchedulers([faster, shopDev, infra]), { created: [], updated: [shopMain.key], removed: [] });
    const updated = (await a.scheduled()).get(shopMain.key);
    assert.equal(updated?.everyMs, 60_000);
    assert.equal(updated.offsetMs, pollOffsetMs(shopMain.key, 60_000));

    // Replica b learns of a new repository; replica a, whose view has neither it
    // nor infra any more, removes both, whoever created them.
    const extra = target('extra', 'main', 180_000);
    assert.deepEqual((await b.syncSchedulers([faster, shopDev, infra, extra])).created, [extra.key]);
    assert.deepEqual((await a.syncSchedulers([faster, shopDev])).removed.sort(), [extra.key, infra.key]);
    assert.deepEqual([...(await b.scheduled()).keys()].sort(), [shopDev.key, shopMain.key]);
    assert.equal((await a.depth()).delayed, 2, 'a removed scheduler left its pending tick');
  });

  it('fan each tick out to the Applications tracking the repository, once across replicas', async (t) => {
    const options = testQueueOptions();
    cleanUpPrefix(t, options.prefix);
    const everyMs = 1_000;
    const shop = target('shop', 'main', everyMs);
    const infra = target('infra', 'main', everyMs);
    const tracking = new Map([[shop.key, ['shop/a', 'shop/b']], [infra.key, ['infra/c']]]);

    const reconciled: ReconcileJob[] = [];
    const reconcileQueue = new ReconcileQueue(options);
    const reconciler = await startReconcileWorker(reconcileQueue, (job) => {
      reconciled.push(job);
      return Promise.resolve({});
    });
    const ticks: { id: string; key: string; replica: number }[] = [];
    const pollers = await Promise.all([0, 1].map(async (index) => {
      const own = new ReconcileQueue(options);
      const poller = await startPollWorker(own, (key) => tracking.get(key) ?? []);
      poller.worker.on('completed', (job) => { ticks.push({ id: job.id ?? '', key: job.data.key, replica: index }); });
      return { own, poller };
    }));
    t.after(async () => {
      for (const { own, poller } of pollers) {
        await poller.close();
        await own.close();
      }
      await reconciler.close();
      await reconcileQueue.close();
    });
    await replica(t, options).syncSchedulers([shop, infra]);

    await eventually('three ticks of shop@main', () => Promise.resolve(ticks.filter((tick) => tick.key === shop.key).length >= 3 ? true : undefined), { timeoutMs: 15_000, intervalMs: 100 });
    assert.equal(new Set(ticks.map((tick) => tick.id)).size, ticks.length, 'a tick was processed twice');
    const prefix = `repeat:${pollSchedulerId(shop.key)}:`;
    const times = ticks.filter((tick) => tick.key === shop.key).map((tick) => Number(tick.id.slice(prefix.length))).sort((x, y) => x - y);
    times.slice(1).forEach((time, i) => { assert.equal(time - (times[i] ?? 0), everyMs, `ticks at ${times.join(', ')}`); });
    for (const time of times) assert.equal(time % everyMs, pollOffsetMs(shop.key, everyMs), 'a tick off its jittered slot');

    await eventually('the tracked Applications are reconciled', () => Promise.resolve(['shop/a', 'shop/b', 'infra/c'].every((app) => reconciled.some((job) => job.app === app)) ? true : undefined), { timeoutMs: 10_000 });
    assert.deepEqual([...new Set(reconciled.map((job) => job.reason))], ['poll']);
    assert.deepEqual([...new Set(reconciled.map((job) => job.app))].sort(), ['infra/c', 'shop/a', 'shop/b']);
  });
});
