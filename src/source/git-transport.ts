/**
 * The client isomorphic-git talks to one repository through, chosen by its URL:
 * smart HTTP (http-client.ts) for https/http, git-upload-pack over SSH
 * (ssh-transport.ts) for SSH repositories. Both give the same limits, stats and
 * errors, so GitSource does not know which one it holds.
 */
import type { HttpClient } from 'isomorphic-git';
import { InvalidSourceError } from '../errors.ts';
import { createHttpClient, type HttpLimits, type TransferStats } from './http-client.ts';
import { authorizationHeader, type Repository } from './repository.ts';
import { createSshHttpClient, sshPlaceholderUrl } from './ssh-transport.ts';

export interface Transport {
  client: HttpClient;
  stats: TransferStats;
  /** The URL to give isomorphic-git. */
  url: string;
  headers: Record<string, string>;
}

export interface TransportOptions extends HttpLimits {
  /** --ssh-trust-on-first-use. */
  sshTrustOnFirstUse?: boolean;
}

/** A ref listing ends its SSH session after the advertisement; a fetch keeps it for the pack request. */
export type TransportUse = 'list-refs' | 'fetch';

export function transportFor(repository: Repository, options: TransportOptions, use: TransportUse = 'fetch'): Transport {
  if (!repository.ssh) {
    return { ...createHttpClient(options), url: repository.url, headers: authorizationHeader(repository.credentials) };
  }
  const credentials = repository.credentials;
  if (credentials?.kind !== 'ssh') {
    throw new InvalidSourceError('AuthenticationFailed', `${repository.url}: an SSH repository needs credentialsSecret with sshPrivateKey and knownHosts`);
  }
  const { sshTrustOnFirstUse, ...limits } = options;
  return {
    ...createSshHttpClient({ ...repository.ssh, credentials }, {
      ...limits, keepSessionForPack: use === 'fetch', ...(sshTrustOnFirstUse ? { trustOnFirstUse: true } : {}),
    }),
    url: sshPlaceholderUrl, headers: {},
  };
}
