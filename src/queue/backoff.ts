/**
 * Retry delays: exponential growth with jitter, capped. BullMQ's own
 * `exponential` strategy has no cap; without one, the tenth retry of a
 * transient error would wait hours. Jitter spreads the retries of many
 * Applications that failed together (the API server restarted) so they do not
 * return in one wave.
 */
import type { BackoffStrategy } from 'bullmq';
import type { RetryOptions } from './options.ts';

/** The backoff type stored on reconcile jobs; the worker maps it to `jitteredBackoff`. */
export const berthBackoffType = 'berth-jittered-exponential';

/**
 * The delay before retry number `attemptsMade` (1 after the first failure):
 * `min(max, base * factor^(attemptsMade - 1))`, of which the share `jitter` is
 * drawn at random. `random` returns a number in [0, 1).
 */
export function retryDelayMs(attemptsMade: number, retry: Required<RetryOptions>, random: () => number = Math.random): number {
  const exponent = Math.max(0, attemptsMade - 1);
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * retry.factor ** exponent);
  return Math.round(ceiling * (1 - retry.jitter) + random() * ceiling * retry.jitter);
}

/** A Worker `settings.backoffStrategy`. */
export function jitteredBackoff(retry: Required<RetryOptions>, random: () => number = Math.random): BackoffStrategy {
  return (attemptsMade: number) => retryDelayMs(attemptsMade, retry, random);
}
