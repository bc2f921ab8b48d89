/**
 * Redis goes away and comes back: the worker and the producer reconnect with
 * backoff and carry on, and nothing crashes. The test runs its own redis-server,
 * since stopping the shared one would break the other tests.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { eventually } from '../harness/eventually.ts';
import { freePort } from '../harness/ports.ts';
import { startProcess, stopProcess, type ManagedProcess } from '../harness/processes.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { startReconcileWorker } from '../../src/queue/reconcile-worker.ts';
import type { QueueLog } from '../../src/queue/options.ts';
import { testQueueOptions } from './helpers.ts';

async function startRedis(t: TestContext, port: number, logDir: string): Promise<ManagedProcess> {
  const redis = startProcess({ name: `redis-${port}`, command: 'redis-server', args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], logDir });
  t.after(() => stopProcess(redis, 2_000));
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  await eventually('redis-server answers', async () => {
    try {
      await probe.connect();
      await probe.ping();
      return true;
    } finally {
      probe.disconnect();
    }
  }, { timeoutMs: 10_000, intervalMs: 50 });
  return redis;
}

describe('a Redis restart', () => {
  it('is survived: the worker reconnects and carries on, and a trigger sent meanwhile is not lost', async (t) => {
    const logDir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-redis-'));
    t.after(() => fs.rm(logDir, { recursive: true, force: true }));
    const port = await freePort();
    const server = await startRedis(t, port, logDir);

    const warnings: string[] = [];
    const log: QueueLog = { info: () => undefined, warn: (_, message) => { warnings.push(message); }, error: (_, message) => { warnings.push(message); } };
    const options = testQueueOptions({ redisUrl: `redis://127.0.0.1:${port}`, log, reconnect: { baseDelayMs: 50, maxDelayMs: 500 } });
    const queue = new ReconcileQueue(options);
    const reconciled: string[] = [];
    const worker = await startReconcileWorker(queue, (job) => {
      reconciled.push(job.revision ?? '');
      return Promise.resolve({});
    });
    t.after(async () => {
      await worker.close();
      await queue.close();
    });

    await queue.enqueue({ app: 'shop/web', reason: 'webhook', revision: 'before' });
    await eventually('the first trigger is reconciled', () => Promise.resolve(reconciled.includes('before') ? true : undefined), { timeoutMs: 10_000 });

    await stopProcess(server, 5_000);
    await eventually('the layer notices Redis is gone', () => Promise.resolve(warnings.length > 0 ? true : undefined), { timeoutMs: 10_000 });
    // Sent while Redis is down: held by the client until it reconnects.
    const sentDuringOutage = queue.enqueue({ app: 'shop/web', reason: 'webhook', revision: 'during' });

    await startRedis(t, port, logDir);
    await sentDuringOutage;
    await queue.enqueue({ app: 'shop/cart', reason: 'webhook', revision: 'after' });
    await eventually('both later triggers are reconciled', () => Promise.resolve(reconciled.includes('during') && reconciled.includes('after') ? true : undefined), { timeoutMs: 30_000 });
    assert.deepEqual(reconciled.slice().sort(), ['after', 'before', 'during']);
    assert.equal(worker.worker.isRunning(), true);
  });
});
