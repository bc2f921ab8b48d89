/**
 * Redis goes away and comes back: the worker and the producer reconnect with
 * backoff and carry on, and nothing crashes. The test runs its own redis-server,
 * since stopping the shared one would break the other tests.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { eventually } from '../harness/eventually.ts';
import { freePort } from '../harness/ports.ts';
import { stopProcess } from '../harness/processes.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { startReconcileWorker } from '../../src/queue/reconcile-worker.ts';
import type { QueueLog } from '../../src/queue/options.ts';
import { testQueueOptions } from './helpers.ts';
import { startPrivateRedis } from '../harness/private-redis.ts';


describe('a Redis restart', () => {
  it('is survived: the worker reconnects and carries on, and a trigger sent meanwhile is not lost', async (t) => {
    const logDir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-redis-'));
    t.after(() => fs.rm(logDir, { recursive: true, force: true }));
    const port = await freePort();
    const server = await startPrivateRedis(t, port, logDir);

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

    await startPrivateRedis(t, port, logDir);
    await sentDuringOutage;
    await queue.enqueue({ app: 'shop/cart', reason: 'webhook', revision: 'after' });
    await eventually('both later triggers are reconciled', () => Promise.resolve(reconciled.includes('during') && reconciled.includes('after') ? true : undefined), { timeoutMs: 30_000 });
    assert.deepEqual(reconciled.slice().sort(), ['after', 'before', 'during']);
    assert.equal(worker.worker.isRunning(), true);
  });
});
