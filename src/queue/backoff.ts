/**
 * The queue's own job retries, for infrastructure failures only: a reconcile
 * that threw because Redis, the API server or Git could not be reached (an
 * Application's failed sync is retried by its release, after its
 * `spec.syncPolicy.retry`, and never throws). The delays come from the one
 * retry policy (sync/retry-policy.ts): exponential, capped, with jitter.
 * BullMQ's own `exponential` strategy has no cap; without one, the tenth retry
 * would wait hours.
 */
import type { BackoffStrategy } from 'bullmq';
import { retryDelayMs, type RetryPolicy } from '../../sync/retry-policy.ts';
import type { InfrastructureRetryOptions } from './options.ts';

/** The backoff type stored on reconcile jobs; the worker maps it to `jitteredBackoff`. */
export const berthBackoffType = 'berth-jittered-exponential';

/** The queue's settings in the terms of the one retry policy. */
export function infrastructureRetryPolicy(retry: Required<InfrastructureRetryOptions>): RetryPolicy {
  return { limit: retry.attempts, backoffMs: retry.baseDelayMs, factor: retry.factor, maxBackoffMs: retry.maxDelayMs, jitter: retry.jitter };
}

/** The delay before retry number `attemptsMade` (1 after the first failure) of a job. */
export function jobRetryDelayMs(retry: Required<InfrastructureRetryOptions>, attemptsMade: number, random: () => number = Math.random): number {
  return retryDelayMs(infrastructureRetryPolicy(retry), attemptsMade, random);
}

/** A Worker `settings.backoffStrategy`. */
export function jitteredBackoff(retry: Required<InfrastructureRetryOptions>, random: () => number = Math.random): BackoffStrategy {
  return (attemptsMade: number) => jobRetryDelayMs(retry, attemptsMade, random);
}
