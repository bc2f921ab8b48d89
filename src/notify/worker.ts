/**
 * The consumer of the notification queue: one attempt per job run, through
 * the providers' `sendNotification` and the real HttpPost (http.ts, with its
 * timeout), in a worker of its own, so a dead receiver holds notification
 * slots only, never a reconcile.
 *
 * - `retry` outcomes (429, 5xx, no answer) are retried with the one retry
 *   policy (sync/retry-policy.ts), never sooner than the receiver's
 *   Retry-After; `dropped` ones (bad token, bad configuration) are not.
 * - Each provider is rate-limited (`ratePerMinute`, a window in Redis shared by
 *   every replica): a job over the limit waits for the next window without
 *   using an attempt.
 * - A notification given up on counts in `berth_notifications_dropped_total`
 *   and becomes a Warning Event on its Application.
 * - Every attempt is kept in the delivery log (delivery-log.ts) the API lists.
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { retryDelayMs, type RetryPolicy } from '../../sync/retry-policy.ts';
import { redisConnectionOptions, type ResolvedQueueOptions } from '../queue/options.ts';
import { drainWorker } from '../queue/shutdown.ts';
import type { DeliveryEntry, DeliveryLog } from './delivery-log.ts';
import type { NotificationMetrics } from './metrics.ts';
import { sendNotification, type DeliveryOutcome, type HttpPost, type ProviderConfig } from './providers/provider.ts';
import { notifyBackoffType, notifyQueueName, type NotificationJob } from './queue.ts';
import type { KnownProvider } from './resources/watch.ts';

/** A retry the receiver asked for; carries its Retry-After to the backoff strategy. */
export class RetryableDeliveryError extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs: number | undefined) {
    super(message);
    this.name = 'RetryableDeliveryError';
    this.retryAfterMs = retryAfterMs;
  }
}

/** The delay before retry `attemptsMade`: the policy's, or the receiver's Retry-After when longer. */
export function deliveryRetryDelayMs(policy: RetryPolicy, attemptsMade: number, error: Error | undefined, random: () => number = Math.random): number {
  const backoff = retryDelayMs(policy, attemptsMade, random);
  const asked = error instanceof RetryableDeliveryError ? error.retryAfterMs : (error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof asked === 'number' && Number.isFinite(asked) ? Math.max(backoff, asked) : backoff;
}

export interface DeliveryDeps {
  provider(namespace: string, name: string): KnownProvider | undefined;
  /** The provider's config with its Secret's values; throws naming the Secret (never a value) when it cannot be read. */
  configOf(provider: KnownProvider, job: NotificationJob): Promise<ProviderConfig>;
  http: HttpPost;
  log: DeliveryLog;
  metrics: NotificationMetrics;
  redis: Redis;
  prefix: string;
  ratePerMinute: number;
  retry: RetryPolicy;
  concurrency: number;
  /** A notification given up on: the Warning Event on its Application. */
  onDropped(job: NotificationJob, reason: string): Promise<void>;
  logger: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
  now?: () => number;
}

/** Milliseconds until `provider` may send again; 0 when it may now (and the send is counted). */
export async function rateLimitWaitMs(redis: Redis, prefix: string, provider: string, perMinute: number, now: number): Promise<number> {
  const window = Math.floor(now / 60_000);
  const key = `${prefix}:notify:rate:${provider}:${window}`;
  const [[, count] = [null, 0]] = (await redis.multi().incr(key).pexpire(key, 120_000).exec()) ?? [];
  return Number(count) <= perMinute ? 0 : (window + 1) * 60_000 - now;
}

export class NotificationWorker {
  readonly worker: Worker<NotificationJob>;
  readonly #deps: DeliveryDeps;

  constructor(queueOptions: ResolvedQueueOptions, deps: DeliveryDeps) {
    this.#deps = deps;
    this.worker = new Worker<NotificationJob>(notifyQueueName, (job, token) => this.#process(job, token), {
      connection: redisConnectionOptions(queueOptions),
      prefix: queueOptions.prefix,
      concurrency: deps.concurrency,
      stalledInterval: queueOptions.stalledIntervalMs,
      lockDuration: queueOptions.lockDurationMs,
      settings: {
        backoffStrategy: (attemptsMade, type, error) => (type === notifyBackoffType ? deliveryRetryDelayMs(deps.retry, attemptsMade, error) : retryDelayMs(deps.retry, attemptsMade)),
      },
    });
    this.worker.on('error', (error) => { deps.logger.warn({ err: error.message }, 'notification worker: Redis or BullMQ error'); });
    this.worker.on('failed', (job, error) => {
      if (!job) return;
      const final = error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (!final) return;
      const provider = deps.provider(job.data.provider.namespace, job.data.provider.name);
      deps.metrics.dropped(provider?.spec.type ?? 'unknown', job.data.event.type);
      const reason = `${job.data.event.type} of ${job.data.event.revision.slice(0, 12)} to NotificationProvider ${job.data.provider.namespace}/${job.data.provider.name} dropped after ${job.attemptsMade} attempt${job.attemptsMade === 1 ? '' : 's'}: ${error.message}`;
      deps.logger.warn({ app: job.data.app, event: job.data.event.type, provider: `${job.data.provider.namespace}/${job.data.provider.name}` }, reason);
      // A dropped outcome was logged by the attempt itself; retries that ran out are logged here.
      if (!(error instanceof UnrecoverableError || error.name === 'UnrecoverableError')) {
        const { event } = job.data;
        void deps.log.record(job.data.app, {
          id: event.id, type: event.type, revision: event.revision, provider: `${job.data.provider.namespace}/${job.data.provider.name}`,
          providerType: provider?.spec.type ?? 'unknown', result: 'dropped', attempt: job.attemptsMade, reason: `retries ran out: ${error.message}`,
          at: new Date((deps.now ?? Date.now)()).toISOString(),
        }).catch(() => undefined);
      }
      if (job.data.test !== true) void deps.onDropped(job.data, reason).catch(() => undefined);
    });
  }

  async #process(job: Job<NotificationJob>, token: string | undefined): Promise<DeliveryOutcome> {
    const deps = this.#deps;
    const now = deps.now ?? Date.now;
    const { provider: ref, event, app } = job.data;
    const providerName = `${ref.namespace}/${ref.name}`;
    const attempt = job.attemptsMade + 1;
    const entry = (fields: Pick<DeliveryEntry, 'result'> & Partial<DeliveryEntry>, providerType: string): DeliveryEntry => ({
      id: event.id, type: event.type, revision: event.revision, provider: providerName, providerType, attempt,
      at: new Date(now()).toISOString(), latencyMs: now() - job.data.transitionAt, ...fields,
    });
    const known = deps.provider(ref.namespace, ref.name);
    if (!known) {
      const reason = `NotificationProvider ${providerName} does not exist (or is invalid)`;
      await deps.log.record(app, entry({ result: 'dropped', reason }, 'unknown'));
      throw new UnrecoverableError(reason);
    }
    const type = known.spec.type;
    if (known.spec.suspend === true) {
      await deps.log.record(app, entry({ result: 'skipped', reason: 'the provider is suspended' }, type));
      return { result: 'skipped', reason: 'the provider is suspended' };
    }
    const wait = await rateLimitWaitMs(deps.redis, deps.prefix, providerName, deps.ratePerMinute, now());
    if (wait > 0 && token !== undefined) {
      await deps.log.record(app, entry({ result: 'rateLimited', retryInMs: wait, reason: `more than ${deps.ratePerMinute} a minute to this provider` }, type));
      await job.moveToDelayed(now() + wait, token);
      throw new DelayedError();
    }
    let outcome: DeliveryOutcome;
    try {
      outcome = await sendNotification(await deps.configOf(known, job.data), event, deps.http);
    } catch (error) {
      // configOf failed (the Secret could not be read): its message names the Secret, never a value.
      const reason = error instanceof Error ? error.message : String(error);
      const unrecoverable = error instanceof UnrecoverableError;
      outcome = unrecoverable ? { result: 'dropped', reason } : { result: 'retry', reason };
    }
    const seconds = (now() - job.data.transitionAt) / 1000;
    deps.metrics.attempt(type, event.type, outcome.result, seconds);
    const status = 'status' in outcome && outcome.status !== undefined ? { status: outcome.status } : {};
    const reason = 'reason' in outcome ? { reason: outcome.reason } : 'detail' in outcome && outcome.detail ? { reason: outcome.detail } : {};
    switch (outcome.result) {
      case 'delivered':
      case 'skipped':
        await deps.log.record(app, entry({ result: outcome.result, ...status, ...reason }, type));
        return outcome;
      case 'dropped':
        await deps.log.record(app, entry({ result: 'dropped', ...status, ...reason }, type));
        throw new UnrecoverableError(outcome.reason);
      case 'retry': {
        const retryIn = deliveryRetryDelayMs(deps.retry, attempt, new RetryableDeliveryError(outcome.reason, outcome.retryAfterMs), () => 1);
        await deps.log.record(app, entry({ result: 'retry', ...status, ...reason, retryInMs: retryIn }, type));
        throw new RetryableDeliveryError(outcome.reason, outcome.retryAfterMs);
      }
    }
  }

  async drain(timeoutMs: number): Promise<boolean> {
    return await drainWorker(this.worker, timeoutMs);
  }
}
