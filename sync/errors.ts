/**
 * The few error classes of sync/. Expected per-object failures are data (entries
 * of the change set); these classes are for what stops a whole operation, and
 * they tell the queue whether a retry can help:
 *
 * - `ClusterError`: one failed call of the `ClusterClient`, classified by reason
 *   (see `cluster.ts`); the adapter in src/ throws it, the engine turns it into data.
 * - `UnrecoverableSyncError`: retrying the same input cannot succeed (invalid
 *   manifests, an exhausted rollback). The worker maps it to BullMQ's
 *   `UnrecoverableError`.
 * - `TransientSyncError`: the cluster could not be reached or asked to back off;
 *   retry with backoff.
 */

/** How the engine reacts to a failed call; one reason per distinct reaction. */
export const clusterErrorReasons = {
  /** The object, its namespace, or its kind does not exist. */
  NotFound: 'NotFound',
  /** A field-ownership conflict or an object that already exists. */
  Conflict: 'Conflict',
  /** Not authorized (401 or 403). */
  Forbidden: 'Forbidden',
  /** Rejected by validation or admission; retrying the same object cannot help. */
  Invalid: 'Invalid',
  /** Rejected because a field that cannot change after creation changed; delete and recreate can help. */
  Immutable: 'Immutable',
  /** Unreachable, throttled, timed out, or a server error: retry with backoff. */
  Transient: 'Transient',
  Unknown: 'Unknown',
} as const;
export type ClusterErrorReason = (typeof clusterErrorReasons)[keyof typeof clusterErrorReasons];

export class ClusterError extends Error {
  readonly reason: ClusterErrorReason;
  /** HTTP status of the API server's answer, when there was one. */
  readonly code: number | undefined;
  constructor(reason: ClusterErrorReason, message: string, options: { code?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ClusterError';
    this.reason = reason;
    this.code = options.code;
  }
}

export const unrecoverableReasons = {
  InvalidManifests: 'InvalidManifests',
  RollbackExhausted: 'RollbackExhausted',
} as const;
export type UnrecoverableReason = (typeof unrecoverableReasons)[keyof typeof unrecoverableReasons];

export class UnrecoverableSyncError extends Error {
  readonly reason: UnrecoverableReason;
  /** One line per problem, each starting with the object it is about. */
  readonly problems: readonly string[];
  constructor(reason: UnrecoverableReason, problems: readonly string[], options: { cause?: unknown } = {}) {
    super(problems.length === 1 ? (problems[0] ?? reason) : `${problems.length} problems: ${problems.join('; ')}`, { cause: options.cause });
    this.name = 'UnrecoverableSyncError';
    this.reason = reason;
    this.problems = problems;
  }
}

export class TransientSyncError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TransientSyncError';
  }
}

/** Whether a retry with backoff may help; unknown errors are retried (the queue bounds retries). */
export function isRetryable(error: unknown): boolean {
  if (error instanceof UnrecoverableSyncError) return false;
  if (error instanceof ClusterError) return error.reason === 'Transient';
  return true;
}
