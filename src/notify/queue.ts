/**
 * The notification queue: each notification to each provider is one BullMQ
 * job in a queue of its own (`notify`), so delivery never runs inside a
 * reconcile and a slow receiver never holds a reconcile worker.
 *
 * Exactly once, across replicas and restarts: a job's id is a digest of
 * (Application uid, event type, revision, occurrence, provider), and a marker
 * of that id is kept for `dedupeTtlMs` once the job is added. A reconcile run
 * twice (a controller killed before it saved the release record), or a second
 * replica telling the same transition, adds nothing: the marker (or, while it
 * is being written, BullMQ's own refusal of a second job with one id) stops it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisConnectionOptions, type ResolvedQueueOptions } from '../queue/options.ts';
import type { ProviderRef } from './resources/match.ts';
import type { NotificationEvent } from './providers/provider.ts';

export const notifyQueueName = 'notify';
/** The backoff type of notification jobs; the worker maps it to the delivery retry policy (honouring Retry-After). */
export const notifyBackoffType = 'berth-notify';

export interface NotificationJob {
  /** The Application's key, `namespace/name`. */
  app: string;
  provider: ProviderRef;
  event: NotificationEvent;
  /** Epoch ms of the transition, for the latency figure. */
  transitionAt: number;
  /** A person's test message: recorded as such, never deduplicated. */
  test?: boolean;
}

export interface NotificationQueueOptions {
  attempts: number;
  /** How long a sent notification's id is remembered (and so not sent again). */
  dedupeTtlMs: number;
}

export function notificationJobId(job: Pick<NotificationJob, 'event' | 'provider'>): string {
  return `n-${createHash('sha256').update(JSON.stringify([job.event.id, job.provider.namespace, job.provider.name])).digest('hex').slice(0, 40)}`;
}

export class NotificationQueue {
  readonly queue: Queue<NotificationJob>;
  readonly #redis: Redis;
  readonly #markerPrefix: string;
  readonly #options: NotificationQueueOptions;

  constructor(queueOptions: ResolvedQueueOptions, redis: Redis, options: NotificationQueueOptions) {
    this.#redis = redis;
    this.#options = options;
    this.#markerPrefix = `${queueOptions.prefix}:notify:sent:`;
    this.queue = new Queue<NotificationJob>(notifyQueueName, {
      connection: redisConnectionOptions(queueOptions),
      prefix: queueOptions.prefix,
      defaultJobOptions: {
        attempts: options.attempts,
        backoff: { type: notifyBackoffType },
        removeOnComplete: { age: 24 * 3_600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3_600, count: 10_000 },
      },
    });
    this.queue.on('error', (error) => { queueOptions.log.warn({ err: error, queue: notifyQueueName }, 'notification queue: Redis error'); });
  }

  /** Adds the job unless this notification was queued before; returns whether it was added. */
  async add(job: NotificationJob): Promise<boolean> {
    const id = notificationJobId(job);
    if (job.test !== true) {
      if ((await this.#redis.exists(`${this.#markerPrefix}${id}`)) === 1) return false;
    }
    const added = await this.queue.add(job.event.type, job, { jobId: job.test === true ? `${id}-${randomUUID()}` : id });
    if (job.test !== true) await this.#redis.set(`${this.#markerPrefix}${id}`, '1', 'PX', this.#options.dedupeTtlMs);
    return added.id !== undefined;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
