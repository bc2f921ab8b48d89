/**
 * Whether a destination cluster is answering, judged from every request Berth
 * sends it (issue 19): a cluster that keeps failing (no answer, or 5xx) opens
 * its breaker, and its Applications wait, Unknown with the reason, instead of
 * holding workers that other clusters need. It closes again on the first
 * request that gets an answer after the wait. Pure, so the table test is the rule.
 */
import { retryDelayMs, type RetryPolicy } from '../../sync/retry-policy.ts';

export interface BreakerState {
  /** Failed requests in a row. */
  failures: number;
  /** While open, reconciles of the cluster wait until this time (epoch ms). */
  openUntil: number | undefined;
  lastError: string | undefined;
}

export const closedBreaker: BreakerState = { failures: 0, openUntil: undefined, lastError: undefined };

/** Failed requests in a row that open the breaker. */
export const failuresToOpen = 3;
/** The wait after opening, growing with each failure past it; jittered so replicas do not probe together. */
export const breakerBackoff: RetryPolicy = { limit: Infinity, backoffMs: 2_000, factor: 2, maxBackoffMs: 30_000, jitter: 0.25 };

/** A request was answered (any status below 500): the cluster is there. */
export function answered(): BreakerState {
  return closedBreaker;
}

export function failed(state: BreakerState, error: string, now: number, random: () => number = Math.random): BreakerState {
  const failures = state.failures + 1;
  if (failures < failuresToOpen) return { failures, openUntil: state.openUntil, lastError: error };
  return { failures, openUntil: now + retryDelayMs(breakerBackoff, failures - failuresToOpen + 1, random), lastError: error };
}

/** Whether reconciles should wait, and until when. Past openUntil one reconcile is let through to probe. */
export function waitUntil(state: BreakerState, now: number): number | undefined {
  return state.openUntil !== undefined && now < state.openUntil ? state.openUntil : undefined;
}
