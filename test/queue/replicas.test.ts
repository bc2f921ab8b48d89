/**
 * Three controller processes share one queue: 500 triggers across 20
 * Applications, enqueued as fast as possible. Every reconcile records its start
 * and end in one Redis list, which Redis orders whichever process wrote it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { eventually } from '../harness/eventually.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { reconcileReasons, type ReconcileJob } from '../../src/queue/reconcile-job.ts';
import { cleanUpPrefix, processLog, readRecord, startWorkerProcess, testQueueOptions, testRedis, type RecordEntry } from './helpers.ts';

const replicas = 3;
const applications = 20;
const triggers = 500;

describe('several replicas on one queue', () => {
  it('never reconcile one Application twice at once, and end at every Application\'s last trigger', async (t) => {
    const options = testQueueOptions({ concurrency: 4 });
    cleanUpPrefix(t, options.prefix);
    const redis: Redis = await testRedis(t);
    const children = await Promise.all(Array.from({ length: replicas }, (_, i) => startWorkerProcess(t, `replica-${i}`, {
      options: { redisUrl: options.redisUrl, prefix: options.prefix, concurrency: options.concurrency },
      workMs: [2, 12],
    })));
    await eventually('the replicas are ready', async () => {
      const ready = (await readRecord(redis, options.prefix)).filter((entry) => entry.event === 'ready');
      return ready.length === replicas ? true : undefined;
    }, { timeoutMs: 30_000 }).catch(async (error: unknown) => {
      throw new Error(`replicas did not start: ${(await Promise.all(children.map(processLog))).join('\n---\n')}`, { cause: error });
    });

    const queue = new ReconcileQueue(options);
    t.after(() => queue.close());
    const reasons = Object.values(reconcileReasons).filter((reason) => reason !== 'recheck');
    const lastRevision = new Map<string, string>();
    const all: ReconcileJob[] = [];
    for (let i = 0; i < triggers; i++) {
      const trigger: ReconcileJob = { app: `team/app-${i % applications}`, reason: reasons[i % reasons.length] ?? 'poll', revision: `seq-${i}` };
      lastRevision.set(trigger.app, trigger.revision ?? '');
      all.push(trigger);
    }
    // Five producers at full speed (a webhook server, pollers, watches), each
    // awaiting its own calls; an Application's triggers all come from one of them, in order.
    const producers = 5;
    await Promise.all(Array.from({ length: producers }, async (_, k) => {
      for (const trigger of all.filter((_, i) => i % producers === k)) await queue.enqueue(trigger);
    }));

    const settled = await eventually('every Application reaches its last trigger', async () => {
      const depth = await queue.depth();
      if (depth.waiting + depth.active + depth.delayed + depth.prioritized > 0) return undefined;
      const entries = await readRecord(redis, options.prefix);
      const lastEnd = new Map<string, string | undefined>();
      for (const entry of entries) if (entry.event === 'end' && entry.app !== undefined) lastEnd.set(entry.app, entry.revision);
      for (const [app, revision] of lastRevision) if (lastEnd.get(app) !== revision) return undefined;
      return entries;
    }, { timeoutMs: 60_000, intervalMs: 200 }).catch(async (error: unknown) => {
      const entries = await readRecord(redis, options.prefix);
      const lastEnd = new Map(entries.filter((entry) => entry.event === 'end').map((entry) => [entry.app, entry.revision]));
      const behind = [...lastRevision].filter(([app, revision]) => lastEnd.get(app) !== revision).map(([app, revision]) => `${app}: ${lastEnd.get(app)} not ${revision}`);
      throw new Error(`depth ${JSON.stringify(await queue.depth())}; behind: ${behind.join(', ')}`, { cause: error });
    });

    const reconciles = settled.filter((entry) => entry.event === 'start');
    const byApp = new Map<string, RecordEntry[]>();
    for (const entry of settled) {
      if (entry.app === undefined) continue;
      byApp.set(entry.app, [...(byApp.get(entry.app) ?? []), entry]);
    }
    assert.equal(byApp.size, applications);
    for (const [app, entries] of byApp) {
      // Start and end alternate, and each end belongs to the start before it: no overlap.
      entries.forEach((entry, i) => {
        const expected = i % 2 === 0 ? 'start' : 'end';
        assert.equal(entry.event, expected, `${app}: entry ${i} is a ${entry.event}, expected a ${expected} (overlapping reconciles)`);
        if (expected === 'end') assert.equal(entry.job, entries[i - 1]?.job, `${app}: an end of job ${entry.job} follows a start of job ${entries[i - 1]?.job}`);
      });
      assert.equal(entries.at(-1)?.revision, lastRevision.get(app), `${app} ended at another trigger than its last`);
    }
    assert.ok(reconciles.length < triggers, `${reconciles.length} reconciles for ${triggers} triggers: no burst collapsed`);
    const pids = new Set(reconciles.map((entry) => entry.pid));
    assert.ok(pids.size >= 2, `only ${pids.size} replica(s) did any work`);
    t.diagnostic(`${reconciles.length} reconciles for ${triggers} triggers, by ${pids.size} replicas`);
  });
});
