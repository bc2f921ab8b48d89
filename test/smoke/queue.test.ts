import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { redisUrl, uniqueName } from '../harness/env.ts';

describe('the harness Redis', () => {
  it('carries a BullMQ job from a queue to a worker and back', async () => {
    const connection = { url: redisUrl() };
    const name = uniqueName('smoke');
    const prefix = uniqueName('berth-test');
    const queue = new Queue<{ application: string }, string>(name, { connection, prefix });
    const events = new QueueEvents(name, { connection, prefix });
    const worker = new Worker<{ application: string }, string>(name, (job) => Promise.resolve(`reconciled ${job.data.application}`), { connection, prefix });
    try {
      await events.waitUntilReady();
      const job = await queue.add('reconcile', { application: 'guestbook' });
      const result = await job.waitUntilFinished(events, 10_000);
      assert.equal(result, 'reconciled guestbook');
      assert.equal(await queue.getJobCountByTypes('completed'), 1);
    } finally {
      await worker.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
    // Nothing of this test's prefix is left behind in Redis.
    const redis = new Redis(redisUrl());
    try {
      assert.deepEqual(await redis.keys(`${prefix}:*`), []);
    } finally {
      redis.disconnect();
    }
  });
});
