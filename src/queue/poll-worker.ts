/**
 * Runs poll ticks: each tick of a (repository, ref) scheduler fans out into one
 * reconcile job (reason `poll`) per Application tracking it. The caller says
 * which Applications those are; the tick itself fetches nothing, so the Git
 * fetch happens once per (repository, ref) in the reconciles (shared through
 * the source cache), not once per tick per replica. A failed tick is not
 * retried: the next one comes anyway.
 */
import { Worker, type Job } from 'bullmq';
import { redisConnectionOptions } from './options.ts';
import { drainWorker } from './shutdown.ts';
import type { PollJob } from './poll-schedulers.ts';
import type { ReconcileQueue } from './reconcile-queue.ts';

/** The Applications (`<namespace>/<name>`) tracking a poll key right now. */
export type AppsTracking = (key: string) => readonly string[] | Promise<readonly string[]>;

export class PollWorker {
  readonly worker: Worker<PollJob, number>;
  readonly #reconcileQueue: ReconcileQueue;
  readonly #appsTracking: AppsTracking;

  constructor(reconcileQueue: ReconcileQueue, appsTracking: AppsTracking) {
    this.#reconcileQueue = reconcileQueue;
    this.#appsTracking = appsTracking;
    const options = reconcileQueue.options;
    this.worker = new Worker<PollJob, number>(options.pollQueueName, (job: Job<PollJob, number>) => this.#fanOut(job), {
      connection: redisConnectionOptions(options),
      prefix: options.prefix,
      concurrency: options.pollConcurrency,
      stalledInterval: options.stalledIntervalMs,
      lockDuration: options.lockDurationMs,
      ...(options.workerName === undefined ? {} : { name: options.workerName }),
    });
    this.worker.on('error', (error) => { options.log.warn({ err: error }, 'poll worker: Redis or BullMQ error'); });
    this.worker.on('failed', (job, error) => { options.log.warn({ poll: job?.data.key, err: error }, 'poll tick failed'); });
  }

  /** Stops taking ticks, waits up to `timeoutMs` for running ones (they are short), then closes. */
  async drain(timeoutMs = this.#reconcileQueue.options.drainTimeoutMs): Promise<boolean> {
    return await drainWorker(this.worker, timeoutMs);
  }

  async close(): Promise<void> {
    await this.worker.close(true);
  }

  async #fanOut(job: Job<PollJob, number>): Promise<number> {
    const apps = await this.#appsTracking(job.data.key);
    for (const app of apps) await this.#reconcileQueue.enqueue({ app, reason: 'poll' });
    return apps.length;
  }
}

export async function startPollWorker(reconcileQueue: ReconcileQueue, appsTracking: AppsTracking): Promise<PollWorker> {
  const worker = new PollWorker(reconcileQueue, appsTracking);
  await worker.worker.waitUntilReady();
  return worker;
}
