/**
 * An outage longer than a job's retries (the API server down for 30 s, with
 * five attempts over some 15 s): the job fails, but its Application is not
 * given up on. A new job with the same trigger follows after the next backoff
 * delay and succeeds once the outage is over. Invalid input still fails once,
 * with no follow-up. Real Redis, a fake reconcile function.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { startReconcileWorker } from '../../src/queue/reconcile-worker.ts';
import type { ReconcileJob } from '../../src/queue/reconcile-job.ts';
import { InvalidSourceError } from '../../src/errors.ts';
import { TransientSyncError } from '../../sync/errors.ts';
import { eventually } from '../harness/eventually.ts';
import { cleanUpPrefix, testQueueOptions } from '../queue/helpers.ts';

describe('a reconcile that fails on every attempt of its job', () => {
  it('is run again in a new job when the failure was transient, with the same trigger', { timeout: 30_000 }, async (t) => {
    const options = testQueueOptions({ retry: { attempts: 2, baseDelayMs: 100, factor: 2, maxDelayMs: 1_000, jitter: 0.5 } });
    cleanUpPrefix(t, options.prefix);
    const queue = new ReconcileQueue(options);
    const runs: ReconcileJob[] = [];
    const outageEndsAfter = 4; // attempts: two jobs' worth fail, the next succeeds
    const worker = await startReconcileWorker(queue, (job) => {
      runs.push(job);
      if (job.app === 'shop/invalid') return Promise.reject(new InvalidSourceError('InvalidURL', 'ssh://git@example/repo.git: not supported'));
      return runs.filter((run) => run.app === job.app).length <= outageEndsAfter
        ? Promise.reject(new TransientSyncError('API server unreachable'))
        : Promise.resolve({});
    });
    t.after(async () => { await worker.close(); await queue.close(); });

    await queue.enqueue({ app: 'shop/web', reason: 'webhook', revision: 'abc123' });
    await queue.enqueue({ app: 'shop/invalid', reason: 'manual' });
    await eventually('the reconcile to succeed after the outage', async () => ((await queue.depth()).completed >= 1 ? true : undefined), { timeoutMs: 20_000 });
    // Time for a follow-up of the invalid one, which must not come.
    await sleep(1_500);

    const web = runs.filter((run) => run.app === 'shop/web');
    assert.equal(web.length, outageEndsAfter + 1, `shop/web ran ${web.length} times`);
    assert.ok(web.every((run) => run.revision === 'abc123' && run.reason === 'webhook'), 'a follow-up lost the trigger');
    assert.equal(runs.filter((run) => run.app === 'shop/invalid').length, 1, 'invalid input was retried');
    const failed = await queue.queue.getFailed();
    assert.deepEqual(failed.map((job) => job.data.app).sort(), ['shop/invalid', 'shop/web', 'shop/web'], 'each exhausted job is recorded as failed');
  });
});
