/**
 * Maps what isomorphic-git and the HTTP client throw to Berth's two source
 * errors, with a message that names the repository and revision and a reason
 * the controller can report. Credentials never reach a message: URLs are
 * stored without user info and server answers are not quoted.
 */
import { InvalidSourceError, isSourceError, TransientSourceError, type SourceError } from '../errors.ts';
import { TransferLimitError } from './http-client.ts';
import { PolicyError } from '../policy/policy.ts';
import { SshTransportError } from './ssh-connection.ts';

interface GitLibraryError {
  code?: string;
  data?: { statusCode?: number; statusMessage?: string };
  message?: string;
  cause?: unknown;
}

function limitOf(error: unknown): TransferLimitError | undefined {
  return causeOf(error, TransferLimitError);
}

function causeOf<T extends Error>(error: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof type) return current;
    current = (current as GitLibraryError).cause;
  }
  return undefined;
}

/** `where` is `<url>@<revision>`; `hasCredentials` tunes the 401 message. */
export function toSourceError(error: unknown, where: string, hasCredentials: boolean): SourceError {
  if (isSourceError(error)) return error;
  const limit = limitOf(error);
  if (limit?.limit === 'size') return new InvalidSourceError('FetchTooLarge', `${where}: ${limit.message}`, { cause: error });
  if (limit) return new TransientSourceError('Timeout', `${where}: ${limit.message}`, { cause: error });
  const ssh = causeOf(error, SshTransportError);
  if (ssh) return sshSourceError(ssh, where, error);
  const refusal = causeOf(error, PolicyError);
  if (refusal) return new InvalidSourceError('NotAllowed', `${where}: ${refusal.message}`, { cause: error });

  const failure = error as GitLibraryError;
  if (failure.code === 'HttpError') {
    const status = failure.data?.statusCode ?? 0;
    if (status === 401 || status === 403) {
      return new InvalidSourceError('AuthenticationFailed', hasCredentials
        ? `${where}: the server rejected the credentials (HTTP ${status})`
        : `${where}: the server requires credentials (HTTP ${status}); set credentialsSecret`, { cause: error });
    }
    if (status === 404) {
      return new InvalidSourceError('InvalidURL', `${where}: no repository at this URL (HTTP 404)`, { cause: error });
    }
    return new TransientSourceError('FetchFailed', `${where}: the server answered HTTP ${status} ${failure.data?.statusMessage ?? ''}`.trimEnd(), { cause: error });
  }
  if (failure.code === 'NotFoundError') {
    return new InvalidSourceError('RevisionNotFound', `${where}: ${failure.message ?? 'not found'}`, { cause: error });
  }
  if (failure.code === 'SmartHttpError' || failure.code === 'UnknownTransportError') {
    return new InvalidSourceError('InvalidURL', `${where}: not a Git smart-HTTP server (${failure.message ?? failure.code})`, { cause: error });
  }
  const message = failure.message ?? String(error);
  // The cause is worth adding only when it says more (fetch's "fetch failed" wraps "connect ECONNREFUSED ...").
  const detail = failure.cause instanceof Error && !message.includes(failure.cause.message) ? `${message}: ${failure.cause.message}` : message;
  return new TransientSourceError('FetchFailed', `${where}: ${detail}`, { cause: error });
}

function sshSourceError(ssh: SshTransportError, where: string, error: unknown): SourceError {
  const message = `${where}: ${ssh.message}`;
  switch (ssh.reason) {
    case 'HostKeyRejected': return new InvalidSourceError('HostKeyRejected', message, { cause: error });
    case 'AuthenticationFailed':
    case 'InvalidCredentials': return new InvalidSourceError('AuthenticationFailed', message, { cause: error });
    case 'RepositoryNotFound': return new InvalidSourceError('InvalidURL', message, { cause: error });
    case 'Timeout': return new TransientSourceError('Timeout', message, { cause: error });
    case 'Unreachable': return new TransientSourceError('FetchFailed', message, { cause: error });
  }
}
