/**
 * The two ways getting manifests from a source fails. An InvalidSourceError is
 * the user's to fix (bad URL, unknown revision, rejected credentials, a broken
 * manifest): retrying cannot help, so a job carrying it is not retried. A
 * TransientSourceError (network, timeout, a server error) is retried with
 * backoff. Each carries a reason from a closed set, which the controller
 * reports as the condition reason. Messages start with what they are about
 * (`https://host/repo.git@main: ...`, `apps/web/deploy.yaml:12: ...`) and never
 * contain credentials.
 *
 * Both are sync/'s error contract (sync/errors.ts), not a second vocabulary: an
 * InvalidSourceError is a `BerthError` that is not retryable, a
 * TransientSourceError is a `TransientSyncError`, so the release step and the
 * queue judge them by `isRetryable` as they are thrown, with no translation.
 */
import { BerthError, TransientSyncError } from '../sync/errors.ts';

export const SourceFailureReason = {
  InvalidURL: 'InvalidURL',
  AuthenticationFailed: 'AuthenticationFailed',
  RevisionNotFound: 'RevisionNotFound',
  FetchFailed: 'FetchFailed',
  FetchTooLarge: 'FetchTooLarge',
  Timeout: 'Timeout',
  InvalidPath: 'InvalidPath',
  InvalidManifest: 'InvalidManifest',
  RenderFailed: 'RenderFailed',
  /** An SSH server's host key is not in the Application's knownHosts (unknown, changed or revoked). */
  HostKeyRejected: 'HostKeyRejected',
  /** Refused by the controller's security policy (--allowed-repos, --allow-http-repos, ...). */
  NotAllowed: 'NotAllowed',
  /** source.verify: the commit or tag is unsigned, signed by a key its Secret does not list, or badly signed. */
  VerificationFailed: 'VerificationFailed',
} as const;
export type SourceFailureReason = (typeof SourceFailureReason)[keyof typeof SourceFailureReason];

export class InvalidSourceError extends BerthError {
  override readonly name = 'InvalidSourceError';
  readonly reason: SourceFailureReason;
  readonly retryable = false;

  constructor(reason: SourceFailureReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

export class TransientSourceError extends TransientSyncError {
  override readonly name = 'TransientSourceError';
  readonly reason: SourceFailureReason;

  constructor(reason: SourceFailureReason, message: string, options?: ErrorOptions) {
    super(message, options ?? {});
    this.reason = reason;
  }
}

export type SourceError = InvalidSourceError | TransientSourceError;

export function isSourceError(error: unknown): error is SourceError {
  return error instanceof InvalidSourceError || error instanceof TransientSourceError;
}
