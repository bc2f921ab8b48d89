/**
 * Which reconcile failures are worth a retry, by the one error contract
 * (`isRetryable`, sync/errors.ts): invalid input (a broken manifest, an unknown
 * revision, rejected credentials, an exhausted rollback) fails the same way
 * every time, so it becomes BullMQ's `UnrecoverableError` and the job fails at
 * once; anything else is retried with backoff. The original error stays
 * reachable as `cause`.
 */
import { UnrecoverableError } from 'bullmq';
import { isRetryable } from '../../sync/errors.ts';

/** Whether retrying the same job can never succeed. */
export function isUnrecoverable(error: unknown): boolean {
  if (error instanceof UnrecoverableError || !isRetryable(error)) return true;
  // Matched by name too: an error from another copy of BullMQ, or one built by hand.
  return error instanceof Error && error.name === 'UnrecoverableError';
}

/** The error a worker should throw for `error`: unrecoverable ones mapped, the rest unchanged. */
export function toQueueError(error: unknown): Error {
  if (error instanceof UnrecoverableError) return error;
  if (isUnrecoverable(error)) {
    const original = error as Error;
    const mapped = new UnrecoverableError(`${original.name}: ${original.message}`);
    mapped.cause = original;
    return mapped;
  }
  if (error instanceof Error) return error;
  return new Error(`reconcile failed: ${String(error)}`, { cause: error });
}
