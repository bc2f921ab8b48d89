/**
 * The options of the queue layer and their defaults, resolved in one place, and
 * the Redis connection settings every queue, worker and helper client shares:
 * commands wait for a reconnect instead of failing (`maxRetriesPerRequest: null`,
 * which BullMQ requires of workers), and reconnects back off exponentially with
 * jitter, so a Redis restart is survived rather than crashed on.
 */
import { retryDelayMs } from '../../sync/retry-policy.ts';
import { parseRedisAddress } from './redis-address.ts';

/** A pino logger fits; the layer logs through these three only. */
export interface QueueLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * Retries of a reconcile job that threw: infrastructure failures only (Redis,
 * the API server or Git unreachable). An Application's failed sync does not
 * throw; its release retries it after `spec.syncPolicy.retry`.
 */
export interface InfrastructureRetryOptions {
  /** Attempts in total, the first included. */
  attempts?: number;
  /** Delay before the first retry, before jitter. */
  baseDelayMs?: number;
  /** Growth of the delay per attempt. */
  factor?: number;
  maxDelayMs?: number;
  /** Share of the delay drawn at random: 0.5 waits between half and all of it. */
  jitter?: number;
}

export interface QueueLayerOptions {
  redisUrl: string;
  /** Key prefix of every queue key; tests use a fresh one each. */
  prefix?: string;
  reconcileQueueName?: string;
  pollQueueName?: string;
  /** Reconciles one process runs at once. */
  concurrency?: number;
  /** Reconciles all replicas together run at once (BullMQ global concurrency); unset means no limit. */
  globalConcurrency?: number;
  /** Job retries for infrastructure failures (see InfrastructureRetryOptions). */
  retry?: InfrastructureRetryOptions;
  /** How often a worker looks for jobs whose worker died. */
  stalledIntervalMs?: number;
  /** How long a job's lock lives without renewal; a dead worker's job is recovered after this. */
  lockDurationMs?: number;
  /** Times a job may be recovered from a dead worker before it fails. */
  maxStalledCount?: number;
  /** How long SIGTERM waits for in-flight reconciles before closing anyway. */
  drainTimeoutMs?: number;
  reconnect?: { baseDelayMs?: number; maxDelayMs?: number };
  /** How long finished jobs are kept for inspection. */
  keepCompleted?: { ageSeconds: number; count: number };
  keepFailed?: { ageSeconds: number; count: number };
  /** Poll jobs processed at once by one process (each only fans out). */
  pollConcurrency?: number;
  /** Name stored on jobs this process works on (defaults to host and pid). */
  workerName?: string;
  log?: QueueLog;
}

export interface ResolvedQueueOptions {
  redisUrl: string;
  prefix: string;
  reconcileQueueName: string;
  pollQueueName: string;
  concurrency: number;
  globalConcurrency: number | undefined;
  retry: Required<InfrastructureRetryOptions>;
  stalledIntervalMs: number;
  lockDurationMs: number;
  maxStalledCount: number;
  drainTimeoutMs: number;
  reconnect: { baseDelayMs: number; maxDelayMs: number };
  keepCompleted: { ageSeconds: number; count: number };
  keepFailed: { ageSeconds: number; count: number };
  pollConcurrency: number;
  workerName: string | undefined;
  log: QueueLog;
}

const silentLog: QueueLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export const defaultRetry: Required<InfrastructureRetryOptions> = { attempts: 5, baseDelayMs: 2_000, factor: 2, maxDelayMs: 180_000, jitter: 0.5 };

export function resolveQueueOptions(options: QueueLayerOptions): ResolvedQueueOptions {
  const positive = (value: number | undefined, fallback: number, what: string): number => {
    const resolved = value ?? fallback;
    if (!Number.isFinite(resolved) || resolved <= 0) throw new RangeError(`queue options: ${what} must be a positive number, got ${String(value)}`);
    return resolved;
  };
  const retry = { ...defaultRetry, ...options.retry };
  if (retry.jitter < 0 || retry.jitter > 1) throw new RangeError(`queue options: retry.jitter must be between 0 and 1, got ${retry.jitter}`);
  return {
    redisUrl: options.redisUrl,
    prefix: options.prefix ?? 'berth',
    reconcileQueueName: options.reconcileQueueName ?? 'reconcile',
    pollQueueName: options.pollQueueName ?? 'poll',
    concurrency: Math.floor(positive(options.concurrency, 4, 'concurrency')),
    globalConcurrency: options.globalConcurrency === undefined ? undefined : Math.floor(positive(options.globalConcurrency, 1, 'globalConcurrency')),
    retry: {
      attempts: Math.floor(positive(retry.attempts, defaultRetry.attempts, 'retry.attempts')),
      baseDelayMs: positive(retry.baseDelayMs, defaultRetry.baseDelayMs, 'retry.baseDelayMs'),
      factor: positive(retry.factor, defaultRetry.factor, 'retry.factor'),
      maxDelayMs: positive(retry.maxDelayMs, defaultRetry.maxDelayMs, 'retry.maxDelayMs'),
      jitter: retry.jitter,
    },
    stalledIntervalMs: positive(options.stalledIntervalMs, 30_000, 'stalledIntervalMs'),
    lockDurationMs: positive(options.lockDurationMs, 30_000, 'lockDurationMs'),
    // Two, not BullMQ's one: a reconcile is idempotent, and a controller killed
    // twice in a row (a rolling update during a node drain) should not fail it.
    maxStalledCount: Math.floor(positive(options.maxStalledCount, 2, 'maxStalledCount')),
    drainTimeoutMs: positive(options.drainTimeoutMs, 25_000, 'drainTimeoutMs'),
    reconnect: {
      baseDelayMs: positive(options.reconnect?.baseDelayMs, 200, 'reconnect.baseDelayMs'),
      maxDelayMs: positive(options.reconnect?.maxDelayMs, 10_000, 'reconnect.maxDelayMs'),
    },
    keepCompleted: options.keepCompleted ?? { ageSeconds: 3_600, count: 1_000 },
    keepFailed: options.keepFailed ?? { ageSeconds: 7 * 24 * 3_600, count: 5_000 },
    pollConcurrency: Math.floor(positive(options.pollConcurrency, 8, 'pollConcurrency')),
    workerName: options.workerName,
    log: options.log ?? silentLog,
  };
}

/**
 * Connection options for BullMQ and for the layer's own ioredis clients. BullMQ
 * accepts these as its `connection` and creates its clients (a worker needs two:
 * one blocks waiting for jobs). A single server is a `url`; a Sentinel primary
 * is the sentinels and the primary's name (see redis-address.ts).
 */
export type RedisConnectionSettings = RedisTarget & {
  maxRetriesPerRequest: null;
  retryStrategy: (times: number) => number;
};

/** The part of ioredis's options that says where Redis is. */
export type RedisTarget =
  | { url: string }
  | {
    sentinels: { host: string; port: number }[];
    name: string;
    db: number;
    username?: string;
    password?: string;
    sentinelUsername?: string;
    sentinelPassword?: string;
    tls?: object;
    sentinelTLS?: object;
    enableTLSForSentinelMode?: boolean;
    /**
     * Off: ioredis's detector disconnects on the sentinels' +switch-master even while a
     * connect is under way, and that connect then ends the client for good ("Connection is
     * closed." on every later command; seen in test/faults/redis-failover.test.ts). A
     * primary that fails over closes its clients' connections, and each reconnect asks the
     * sentinels again, which is enough.
     */
    failoverDetector: false;
    sentinelRetryStrategy: (times: number) => number;
  };

export function redisTarget(url: string, retryStrategy: (times: number) => number): RedisTarget {
  const address = parseRedisAddress(url);
  if (address.kind === 'server') return { url: address.url };
  const { sentinels, name, db, username, password, tls } = address;
  return {
    sentinels, name, db,
    ...(username !== undefined ? { username, sentinelUsername: username } : {}),
    ...(password !== undefined ? { password, sentinelPassword: password } : {}),
    ...(tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    failoverDetector: false,
    sentinelRetryStrategy: retryStrategy,
  };
}

export function redisConnectionOptions(options: ResolvedQueueOptions): RedisConnectionSettings {
  const { baseDelayMs, maxDelayMs } = options.reconnect;
  // The one retry policy, never exhausted, with half of each delay jittered, so
  // replicas cut off together do not reconnect in lockstep.
  const retryStrategy = (times: number): number => retryDelayMs({ limit: Infinity, backoffMs: baseDelayMs, factor: 2, maxBackoffMs: maxDelayMs, jitter: 0.5 }, Math.min(times, 21));
  return { ...redisTarget(options.redisUrl, retryStrategy), maxRetriesPerRequest: null, retryStrategy };
}
