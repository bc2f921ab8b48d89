/**
 * Berth's one error contract. Expected per-object failures are data (entries of
 * the change set); these classes are for what stops a whole operation, and each
 * says where it is thrown whether a retry can help (`retryable`), as BullMQ's
 * `UnrecoverableError` does. `isRetryable` is the one place that reads it: the
 * release step and the queue both ask it, and nothing translates one error class
 * into another on the way (src/'s source errors extend these classes).
 *
 * - `BerthError`: the base; `retryable` is decided by the subclass.
 * - `ClusterError`: one failed call of the `ClusterClient`, classified by reason
 *   (see `cluster.ts`); retryable when Transient. The adapter in src/ throws it,
 *   the engine turns it into data.
 * - `UnrecoverableSyncError`: retrying the same input cannot succeed (invalid
 *   manifests, an exhausted rollback). The worker maps it to BullMQ's
 *   `UnrecoverableError`.
 * - `TransientSyncError`: the cluster (or, as src/'s `TransientSourceError`, a
 *   source) could not be reached or asked to back off; retry with backoff.
 */

/** An error that knows whether retrying the work that threw it may succeed. */
export abstract class BerthError extends Error {
  abstract readonly retryable: boolean;
}

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

export class ClusterError extends BerthError {
  readonly reason: ClusterErrorReason;
  /** Only a Transient failure (unreachable, throttled, a server error) may pass on a retry. */
  readonly retryable: boolean;
  /** HTTP status of the API server's answer, when there was one. */
  readonly code: number | undefined;
  constructor(reason: ClusterErrorReason, message: string, options: { code?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ClusterError';
    this.reason = reason;
    this.retryable = reason === 'Transient';
    this.code = options.code;
  }
}

export const unrecoverableReasons = {
  InvalidManifests: 'InvalidManifests',
  RollbackExhausted: 'RollbackExhausted',
} as const;
export type UnrecoverableReason = (typeof unrecoverableReasons)[keyof typeof unrecoverableReasons];

export class UnrecoverableSyncError extends BerthError {
  readonly retryable = false;
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

export class TransientSyncError extends BerthError {
  readonly retryable = true;
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TransientSyncError';
  }
}

/**
 * Whether a retry with backoff may help. The first `BerthError` on the error's
 * `cause` chain decides (a plain Error wrapping one keeps its verdict); an error
 * Berth knows nothing about is retried, and the queue bounds the retries.
 */
export function isRetryable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 8; depth += 1) {
    if (current instanceof BerthError) return current.retryable;
    current = current.cause;
  }
  return true;
}
