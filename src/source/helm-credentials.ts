/**
 * Which credentials go to which chart URL, for a chart, its dependencies and OCI
 * artifacts alike: a table of (URL prefix, credentials) built from the
 * Application's credentialsSecret, and the longest prefix matching a URL wins (so
 * `oci://reg/team-a/` beats `oci://reg/` for a dependency under team-a, and a URL
 * no prefix matches gets no credentials at all: nothing is sent to a host the
 * Secret does not name). Prefixes compare on the normalised URL (host lower-case,
 * no user info), with a `/` boundary, so `https://charts.example.com` never
 * matches `https://charts.example.com.evil.io/`. Pure.
 *
 * A Secret gives rows by its keys:
 *   `.dockerconfigjson` (or `config.json`): one row per `auths` entry (a host
 *                       serves oci://, https:// and http:// on that host);
 *   `token`, or `username` + `password`: one row per prefix of the annotation
 *                       `berth.dev/repo-url-prefixes`, else for the Application's repoURL.
 */
import { InvalidSourceError } from '../errors.ts';
import { dockerConfigCredentials, prefixesOfRegistryKey } from './oci-auth.ts';
import { credentialsFromSecretData, type GitCredentials } from './repository.ts';
import { repoUrlPrefixesAnnotation } from './credential-scope.ts';

export interface CredentialRow {
  prefix: string;
  credentials: GitCredentials;
  /** `<namespace>/<name>` of the Secret, for messages. */
  secret: string;
}

export type CredentialTable = readonly CredentialRow[];

/** A URL as prefixes are compared: lower-case scheme and host, no user info, query or fragment, a trailing `/` on the path. */
export function comparableUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw.trim().replace(/^oci:/i, 'https:'));
    const scheme = /^oci:/i.test(raw.trim()) ? 'oci:' : url.protocol;
    const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    return `${scheme}//${url.host.toLowerCase()}${path}`;
  } catch {
    return undefined;
  }
}

export function credentialTableFromSecret(secret: string, data: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>> | undefined, repoURL: string): CredentialRow[] {
  const rows: CredentialRow[] = [];
  const docker = data['.dockerconfigjson'] ?? data['config.json'];
  if (docker !== undefined) {
    for (const { key, credentials } of dockerConfigCredentials(secret, docker)) {
      for (const prefix of prefixesOfRegistryKey(key)) rows.push({ prefix, credentials, secret });
    }
  }
  if (data.token !== undefined || data.username !== undefined) {
    const credentials = credentialsFromSecretData(secret, data);
    const named = annotations?.[repoUrlPrefixesAnnotation]?.split(',').map((item) => item.trim()).filter(Boolean);
    for (const prefix of named && named.length > 0 ? named : [repoURL]) {
      const comparable = comparableUrl(prefix);
      if (comparable) rows.push({ prefix: comparable, credentials, secret });
    }
  }
  if (rows.length === 0) {
    throw new InvalidSourceError('AuthenticationFailed', `Secret ${secret}: needs .dockerconfigjson, or "token", or "username" and "password"`);
  }
  return rows;
}

/** The credentials for `url`: the row with the longest matching prefix, or undefined. */
export function credentialsFor(table: CredentialTable, url: string): CredentialRow | undefined {
  const target = comparableUrl(url);
  if (target === undefined) return undefined;
  let best: CredentialRow | undefined;
  for (const row of table) {
    const prefix = row.prefix.endsWith('/') ? row.prefix : `${row.prefix}/`;
    if (target.startsWith(prefix) && (best === undefined || prefix.length > best.prefix.length)) best = { ...row, prefix };
  }
  return best;
}
