/**
 * Which API server failures are worth asking again, and asking again with the
 * one retry policy (sync/retry-policy.ts). Throttling (429: "storage is
 * (re)initializing" right after a CRD is Established), a server error (5xx) and
 * a connection that could not be made or was cut are transient; everything else
 * (401, 403, 404, a kubeconfig that names nothing) fails the same way every
 * time, so it fails at once.
 */
import { retryDelayMs, isRetryExhausted, type RetryPolicy } from '../../sync/retry-policy.ts';

const transientCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** Whether a retry may help: 429, 5xx, or a connection error, anywhere on the `cause` chain. */
export function isTransientApiError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; typeof current === 'object' && current !== null && depth < 8; depth += 1) {
    const { status, code } = current as { status?: unknown; code?: unknown };
    if (typeof status === 'number' && (status === 429 || status >= 500)) return true;
    if (typeof code === 'string' && transientCodes.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export interface TransientRetryOptions {
  policy: RetryPolicy;
  /** Told before each wait; the controller logs it. */
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
  /** For tests: waits `ms`. */
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms); });

/** Runs `read` until it succeeds, fails for good, or the policy's attempts are used up (the last error is thrown). */
export async function retryTransient<T>(read: () => Promise<T>, options: TransientRetryOptions): Promise<T> {
  const sleep = options.sleep ?? sleepFor;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if (!isTransientApiError(error) || isRetryExhausted(options.policy, attempt)) throw error;
      const delayMs = retryDelayMs(options.policy, attempt);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
