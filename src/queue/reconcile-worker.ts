/**
 * The consumer side of the reconcile queue: runs the reconcile function the
 * controller hands it, one job at a time per Application (the queue's
 * deduplication sees to that), `concurrency` at a time per process and, when
 * set, `globalConcurrency` at a time across all replicas.
 *
 * - A job starts with the newest trigger registered for its Application (see
 *   reconcile-queue.ts), which then becomes the job's data, so a retry keeps it;
 *   a trigger job that finds none was covered already and completes at once.
 * - Failures: unrecoverable ones (invalid input) fail the job at once; others
 *   are infrastructure failures (Redis, the API server or Git unreachable: an
 *   Application's failed sync is data, retried by its release after
 *   `spec.syncPolicy.retry`), retried with capped exponential backoff and jitter.
 * - A job whose worker died (SIGKILL, lost node) is recovered by another worker:
 *   its lock expires after `lockDurationMs`, and the next stalled check (every
 *   `stalledIntervalMs`) moves it back to waiting.
 * - `drain()` (for SIGTERM) stops taking jobs, waits for in-flight ones up to a
 *   timeout, then closes; what it abandons is recovered as above.
 * - A reconcile that returns `recheckAt` gets a delayed follow-up job, so a
 *   rollout in progress holds no worker slot while it waits.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { jitteredBackoff, jobRetryDelayMs } from './backoff.ts';
import { toQueueError } from './errors.ts';
import { redisConnectionOptions } from './options.ts';
import { drainWorker } from './shutdown.ts';
import { parseReconcileJob, type ReconcileFunction, type ReconcileJob, type ReconcileResult } from './reconcile-job.ts';
import { reconcileJobNames, type ReconcileQueue } from './reconcile-queue.ts';

export class ReconcileWorker {
  readonly worker: Worker<ReconcileJob, ReconcileResult>;
  readonly #queue: ReconcileQueue;
  readonly #reconcile: ReconcileFunction;
  #draining: Promise<boolean> | undefined;

  /** Starts taking jobs at once; `startReconcileWorker` also waits until connected. */
  constructor(queue: ReconcileQueue, reconcile: ReconcileFunction) {
    this.#queue = queue;
    this.#reconcile = reconcile;
    const options = queue.options;
    const processor = (job: Job<ReconcileJob, ReconcileResult>, _token?: string, signal?: AbortSignal) =>
      this.#process(job, signal ?? new AbortController().signal);
    this.worker = new Worker<ReconcileJob, ReconcileResult>(options.reconcileQueueName, processor, {
      connection: redisConnectionOptions(options),
      prefix: options.prefix,
      concurrency: options.concurrency,
      stalledInterval: options.stalledIntervalMs,
      lockDuration: options.lockDurationMs,
      maxStalledCount: options.maxStalledCount,
      settings: { backoffStrategy: jitteredBackoff(options.retry) },
      ...(options.workerName === undefined ? {} : { name: options.workerName }),
    });
    const { log } = options;
    this.worker.on('error', (error) => { log.warn({ err: error }, 'reconcile worker: Redis or BullMQ error'); });
    this.worker.on('failed', (job, error) => {
      const fields = { app: job?.data.app, reason: job?.data.reason, job: job?.id, attempt: job?.attemptsMade, err: error };
      const final = job === undefined || error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (final) log.error(fields, 'reconcile failed');
      else log.warn(fields, 'reconcile failed; retrying with backoff');
    });
    this.worker.on('stalled', (jobId) => { log.warn({ job: jobId }, 'reconcile job recovered from a worker that stopped'); });
  }

  /**
   * Stops taking jobs and waits up to `timeoutMs` for in-flight ones, then
   * closes. Returns whether every in-flight job finished in time; jobs cut off
   * are told through their AbortSignal and are recovered by another replica.
   */
  async drain(timeoutMs = this.#queue.options.drainTimeoutMs): Promise<boolean> {
    this.#draining ??= this.#drain(timeoutMs);
    return await this.#draining;
  }

  /** Closes without waiting for in-flight jobs. */
  async close(): Promise<void> {
    this.worker.cancelAllJobs('reconcile worker closed');
    await this.worker.close(true);
  }

  async #drain(timeoutMs: number): Promise<boolean> {
    const { log } = this.#queue.options;
    log.info({ timeoutMs }, 'reconcile worker draining');
    const finished = await drainWorker(this.worker, timeoutMs, () => {
      log.warn({ timeoutMs }, 'reconcile worker: in-flight reconciles did not finish in time; leaving them to another replica');
      this.worker.cancelAllJobs('controller shutting down');
    });
    log.info({ finished }, 'reconcile worker closed');
    return finished;
  }

  async #process(job: Job<ReconcileJob, ReconcileResult>, signal: AbortSignal): Promise<ReconcileResult> {
    const parsed = parseReconcileJob(job.data);
    if (!parsed.ok) throw new UnrecoverableError(`reconcile job ${job.id ?? '?'}: invalid data: ${parsed.problem}`);
    let trigger = parsed.job;
    // The register only holds triggers that arrived after the last take, so it is
    // never older than the job's own data.
    const pending = await this.#queue.takePendingTrigger(trigger.app);
    if (pending !== undefined) {
      trigger = pending;
      await job.updateData(trigger);
    } else if (job.attemptsStarted <= 1 && job.name === reconcileJobNames.trigger) {
      // Not a retry nor a job recovered from a dead worker (those took their
      // trigger the first time): an earlier reconcile took this one.
      return { app: trigger.app, reason: trigger.reason, skipped: true };
    }
    let outcome;
    try {
      outcome = await this.#reconcile(trigger, { signal, jobId: job.id ?? '', attempt: job.attemptsMade + 1 });
    } catch (error) {
      const failure = toQueueError(error);
      if (!(failure instanceof UnrecoverableError) && job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await this.#followUp(trigger, job.attemptsMade + 1, failure);
      throw failure;
    }
    const result: ReconcileResult = { app: trigger.app, reason: trigger.reason };
    if (trigger.revision !== undefined) result.revision = trigger.revision;
    if (outcome.recheckAt !== undefined) {
      const at = new Date(outcome.recheckAt).getTime();
      await this.#queue.requestRecheck(trigger.app, at);
      result.recheckAt = at;
    }
    return result;
  }

  /**
   * The last attempt of a job failed for a reason a retry may fix (the API
   * server or Git was down longer than the job's retries lasted): the
   * Application is not given up on. A new job with the same trigger runs after
   * the delay the next retry would have had; added while this job is active, it
   * becomes its follow-up, and a trigger arriving meanwhile replaces it.
   */
  async #followUp(trigger: ReconcileJob, attempts: number, failure: Error): Promise<void> {
    const { log, retry } = this.#queue.options;
    const delayMs = jobRetryDelayMs(retry, attempts);
    await this.#queue.enqueue(trigger, { delayMs });
    log.warn({ app: trigger.app, attempts, delayMs, err: failure.message }, `reconcile failed ${attempts} times; retrying in a new job in ${Math.round(delayMs / 1000)}s`);
  }
}

/** Creates the worker, applies the global concurrency limit if one is set, and waits until connected. */
export async function startReconcileWorker(queue: ReconcileQueue, reconcile: ReconcileFunction): Promise<ReconcileWorker> {
  const { globalConcurrency } = queue.options;
  if (globalConcurrency !== undefined) await queue.setGlobalConcurrency(globalConcurrency);
  const worker = new ReconcileWorker(queue, reconcile);
  await worker.worker.waitUntilReady();
  return worker;
}
