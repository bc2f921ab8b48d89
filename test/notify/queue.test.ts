/**
 * The notification queue and the per-provider rate limit against the real
 * Redis: a notification queued twice (a reconcile run again, a second
 * replica) is one job; a test message is never folded into another; the
 * window lets `perMinute` sends through and tells the next when to come back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { resolveQueueOptions } from '../../src/queue/options.ts';
import { NotificationQueue, type NotificationJob } from '../../src/notify/queue.ts';
import { rateLimitWaitMs } from '../../src/notify/worker.ts';
import { redisUrl, uniqueName } from '../harness/env.ts';

const job = (id: string, test = false): NotificationJob => ({
  app: 'shop/web', provider: { namespace: 'shop', name: 'chat' }, transitionAt: Date.now(), ...(test ? { test } : {}),
  event: { id, type: 'Synced', severity: 'info', application: { namespace: 'shop', name: 'web', uid: 'u' }, revision: 'B', reason: 'applied', time: new Date().toISOString() },
});

describe('the notification queue on Redis', () => {
  it('queues a notification told twice once, and a test message each time', async (t) => {
    const prefix = uniqueName('berth-notify-queue');
    const redis = new Redis(redisUrl());
    const queue = new NotificationQueue(resolveQueueOptions({ redisUrl: redisUrl(), prefix }), redis, { attempts: 3, dedupeTtlMs: 60_000 });
    t.after(async () => { await queue.queue.obliterate({ force: true }); await queue.close(); redis.disconnect(); });
    await Promise.all([queue.add(job('u:Synced:B:3')), queue.add(job('u:Synced:B:3'))]);
    await queue.add(job('u:Synced:B:3'));
    await queue.add(job('u:Synced:B:4'));
    await queue.add(job('test:shop/chat:1', true));
    await queue.add(job('test:shop/chat:1', true));
    assert.equal(await queue.queue.count(), 4, 'one job for the repeated event, one for the new occurrence, two test messages');
  });

  it('lets perMinute sends through per provider, then says how long to wait', async (t) => {
    const redis = new Redis(redisUrl());
    t.after(() => { redis.disconnect(); });
    const prefix = uniqueName('berth-notify-rate');
    const now = Date.UTC(2026, 11, 2, 12, 0, 15);
    assert.equal(await rateLimitWaitMs(redis, prefix, 'shop/chat', 2, now), 0);
    assert.equal(await rateLimitWaitMs(redis, prefix, 'shop/chat', 2, now), 0);
    assert.equal(await rateLimitWaitMs(redis, prefix, 'shop/chat', 2, now), 45_000, 'the third waits for the next minute');
    assert.equal(await rateLimitWaitMs(redis, prefix, 'shop/other', 2, now), 0, 'another provider has its own window');
  });
});
