/**
 * The one retry policy of Berth: how many attempts, and how long to wait
 * before each retry. Exponential growth, capped, with jitter. Two things use it
 * with their own numbers:
 * - a release's sync that failed for a reason a retry may fix follows the
 *   Application's `spec.syncPolicy.retry` (sync/release.ts);
 * - the queue's own job retries, only for infrastructure failures (Redis, an
 *   unreachable API server, a reconcile that threw), follow the controller's
 *   settings (src/queue/backoff.ts).
 *
 * The cap is a promise: jitter only ever shortens a delay, so no retry waits
 * longer than `maxBackoffMs`. Jitter spreads the retries of many Applications
 * that failed together (the API server restarted) so they do not come back in
 * one wave.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included; at least 1. */
  limit: number;
  /** Delay before the first retry (`backoff.duration`). */
  backoffMs: number;
  /** Growth of the delay per retry (`backoff.factor`). */
  factor: number;
  /** No delay is longer (`backoff.maxDuration`). */
  maxBackoffMs: number;
  /** Share of each delay drawn at random, between 0 and 1: 0.25 waits between three quarters and all of it. */
  jitter: number;
}

/** The jitter of an Application's sync retries, which its spec does not name. */
export const syncRetryJitter = 0.25;

/** The Application schema's defaults: `limit: 5`, backoff 5s x2 up to 3m. */
export const defaultSyncRetryPolicy: RetryPolicy = { limit: 5, backoffMs: 5_000, factor: 2, maxBackoffMs: 180_000, jitter: syncRetryJitter };

/**
 * The delay before retry number `retry` (1 after the first failed attempt):
 * `min(maxBackoffMs, backoffMs * factor^(retry - 1))`, of which the share
 * `jitter` is drawn at random. `random` returns a number in [0, 1).
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, retry - 1);
  const ceiling = Math.min(policy.maxBackoffMs, policy.backoffMs * policy.factor ** exponent);
  return Math.round(ceiling * (1 - policy.jitter) + random() * ceiling * policy.jitter);
}

/** Whether `attempts` failed attempts have used up the policy: no retry follows. */
export function isRetryExhausted(policy: RetryPolicy, attempts: number): boolean {
  return attempts >= Math.max(1, policy.limit);
}
