/**
 * The producer side of the reconcile queue: turns triggers into jobs.
 *
 * Promises, across every replica sharing the Redis:
 * - At most one job per Application is active, and at most one more waits
 *   (BullMQ deduplication by Application with `keepLastIfActive`).
 * - The last trigger wins. BullMQ keeps the *last* data only for a trigger that
 *   arrives while a job is active; one that arrives while a job is still waiting
 *   is dropped in favour of the waiting job's older data. So every trigger is
 *   also written to a per-Application register (`SET`, before its job is added),
 *   and a job takes the register (`GETDEL`) when it starts and runs with what it
 *   finds. A trigger job that finds the register empty was covered by an earlier
 *   reconcile that started after the trigger was registered, and is skipped.
 *   Scheduled jobs (delayed requests, rechecks) are not registered and always run.
 * - A trigger never waits behind a delayed job of the same Application (a
 *   recheck, or a retry backing off): `replace` removes the delayed job and adds
 *   the trigger to run now. (With `reschedule` instead, BullMQ would run the
 *   delayed job now but with its old data; with neither, the trigger would be
 *   dropped and wait out the delay.)
 * - A poll tick without a revision does not replace a trigger that is still
 *   waiting (it would hide a watch event's or a webhook's reason), and no poll
 *   tick replaces a delayed recheck (which takes the poll's trigger from the
 *   register when it runs, moments later); any other trigger does both.
 * - Scheduled jobs run before triggers, and a person's trigger before a
 *   machine's (`jobPriorities`): a rollout's recheck must not queue behind the
 *   1,000 start-up reconciles of a cold start (issue 6), and a manual sync or a
 *   webhook should not wait for a poll tick's fan-out.
 */
import { Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { berthBackoffType } from './backoff.ts';
import { jobCountsByState, type JobCounts } from './job-counts.ts';
import { redisConnectionOptions, type ResolvedQueueOptions } from './options.ts';
import { parseReconcileJob, type ReconcileJob, type ReconcileResult } from './reconcile-job.ts';
import { openRedis } from './redis-client.ts';

/** Job names: a registered trigger (skipped when already covered), and a scheduled job (always run). */
export const reconcileJobNames = { trigger: 'reconcile', scheduled: 'reconcile-scheduled' } as const;

/**
 * BullMQ priorities (1 is served first). Every job has one: BullMQ serves jobs
 * without a priority before all prioritized ones, so a recheck with priority
 * would still wait behind every trigger without.
 */
export const jobPriorities = { scheduled: 1, person: 2, watch: 3, background: 4 } as const;

function priorityOf(job: ReconcileJob, name: string): number {
  if (name === reconcileJobNames.scheduled) return jobPriorities.scheduled;
  if (job.reason === 'manual' || job.reason === 'webhook') return jobPriorities.person;
  return job.reason === 'watch' ? jobPriorities.watch : jobPriorities.background;
}

/** SET key value PX ttl, unless the trigger registered there carries a manual operation. */
const setUnlessOperationPending = `
local current = redis.call('GET', KEYS[1])
if current and string.find(current, '"operation"', 1, true) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** A trigger left in the register longer than this was lost with its job; let it go. */
const pendingTriggerTtlMs = 24 * 3_600_000;

export interface EnqueueOptions {
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
}

export class ReconcileQueue {
  readonly queue: Queue<ReconcileJob, ReconcileResult>;
  readonly options: ResolvedQueueOptions;
  readonly #redis: Redis;
  readonly #pendingPrefix: string;

  constructor(options: ResolvedQueueOptions) {
    this.options = options;
    const connection = redisConnectionOptions(options);
    const { retry, keepCompleted, keepFailed } = options;
    this.queue = new Queue<ReconcileJob, ReconcileResult>(options.reconcileQueueName, {
      connection,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: retry.attempts,
        backoff: { type: berthBackoffType, delay: retry.baseDelayMs },
        removeOnComplete: { age: keepCompleted.ageSeconds, count: keepCompleted.count },
        removeOnFail: { age: keepFailed.ageSeconds, count: keepFailed.count },
      },
    });
    this.queue.on('error', (error) => { options.log.warn({ err: error, queue: options.reconcileQueueName }, 'reconcile queue: Redis error'); });
    this.#redis = openRedis(connection);
    this.#redis.on('error', (error: Error) => { options.log.warn({ err: error }, 'reconcile queue: Redis error'); });
    this.#pendingPrefix = `${options.prefix}:${options.reconcileQueueName}:berth-trigger:`;
  }

  /** Asks for a reconcile of `trigger.app`. Throws a TypeError for a malformed trigger. */
  async enqueue(trigger: ReconcileJob, options: EnqueueOptions = {}): Promise<void> {
    const parsed = parseReconcileJob(trigger);
    if (!parsed.ok) throw new TypeError(`invalid reconcile trigger: ${parsed.problem}`);
    const delayMs = Math.max(0, Math.round(options.delayMs ?? 0));
    if (delayMs > 0) {
      // Carries its own data: it must not overwrite a trigger waiting to run.
      await this.#add(parsed.job, delayMs, reconcileJobNames.scheduled);
      return;
    }
    // Written first: the job added next, or the one it is folded into, reads it when it starts.
    // A poll tick that announces no revision never overwrites a trigger still waiting:
    // it adds nothing (that reconcile resolves the ref just the same), and the waiting
    // one may say more (a poll reconcile may reuse its last drift check; a watch one never does).
    // Nor does any plain trigger overwrite a manual operation (a sync to a revision, a
    // rollback) still waiting: it would be lost, while the operation's reconcile reads
    // Git afresh anyway and so covers the plain trigger too.
    const key = this.#pendingKey(parsed.job.app);
    const value = JSON.stringify(parsed.job);
    if (parsed.job.operation !== undefined) await this.#redis.set(key, value, 'PX', pendingTriggerTtlMs);
    else if (parsed.job.reason === 'poll' && parsed.job.revision === undefined) await this.#redis.set(key, value, 'PX', pendingTriggerTtlMs, 'NX');
    else await this.#redis.eval(setUnlessOperationPending, 1, key, value, String(pendingTriggerTtlMs));
    await this.#add(parsed.job, 0, reconcileJobNames.trigger);
  }

  /**
   * Asks for a recheck of `app` at `at`. Called from within a running reconcile
   * of `app`, it becomes that job's follow-up; if a trigger arrived meanwhile,
   * the follow-up runs at once instead, so the trigger is not held back by the
   * delay.
   */
  async requestRecheck(app: string, at: Date | number): Promise<void> {
    const job: ReconcileJob = { app, reason: 'recheck' };
    const delayMs = Math.max(0, Math.round(new Date(at).getTime() - Date.now()));
    await this.#add(job, delayMs, reconcileJobNames.scheduled);
    // Checked after our add. A trigger registered before this check may have
    // added its job before ours, and ours then replaced it as the follow-up: add
    // an immediate follow-up, which takes the trigger. A trigger registered after
    // the check adds its job after ours, and that one wins.
    if (delayMs > 0 && (await this.#redis.exists(this.#pendingKey(app))) === 1) {
      await this.#add(job, 0, reconcileJobNames.scheduled);
    }
  }

  /** The trigger registered for `app` since its last job started, removed. For the worker. */
  async takePendingTrigger(app: string): Promise<ReconcileJob | undefined> {
    const raw = await this.#redis.getdel(this.#pendingKey(app));
    if (raw === null) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return undefined;
    }
    const parsed = parseReconcileJob(data);
    return parsed.ok && parsed.job.app === app ? parsed.job : undefined;
  }

  /** Jobs per state, for metrics. */
  async depth(): Promise<JobCounts> {
    return await jobCountsByState(this.queue);
  }

  /** Caps the reconciles running at once across all replicas (stored in Redis). */
  async setGlobalConcurrency(limit: number): Promise<void> {
    await this.queue.setGlobalConcurrency(limit);
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.#redis.quit().catch(() => { this.#redis.disconnect(); });
  }

  async #add(job: ReconcileJob, delayMs: number, name: string): Promise<void> {
    // A poll tick does not replace a delayed job (a rollout's recheck, due in
    // seconds): that job takes the poll's trigger from the register when it runs,
    // and keeps its priority. Replacing 1,000 rechecks with poll jobs at the back
    // of the queue is what held the last rollouts of a cold start (issue 6).
    const replace = !(job.reason === 'poll' && name === reconcileJobNames.trigger);
    const options: JobsOptions = {
      deduplication: { id: job.app, keepLastIfActive: true, replace },
      priority: priorityOf(job, name),
    };
    if (delayMs > 0) options.delay = delayMs;
    await this.queue.add(name, job, options);
  }

  #pendingKey(app: string): string {
    return `${this.#pendingPrefix}${app}`;
  }
}
