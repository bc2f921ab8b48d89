/**
 * Registry authentication, pure parts: the `WWW-Authenticate: Bearer realm=...,
 * service=..., scope=...` challenge of the distribution token flow, and registry
 * credentials from a docker config JSON (`.dockerconfigjson` of a
 * `kubernetes.io/dockerconfigjson` Secret). The token request itself is made by
 * oci-client.ts through the same guarded HTTP client as every other request.
 */
import { InvalidSourceError } from '../errors.ts';
import type { GitCredentials } from './repository.ts';

export interface BearerChallenge {
  realm: string;
  service?: string;
  scope?: string;
}

/** The Bearer challenge of a 401, or undefined for Basic (or none). */
export function parseBearerChallenge(header: string | undefined): BearerChallenge | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const part of (match[1] ?? '').matchAll(/([a-zA-Z]+)="([^"]*)"/g)) params[(part[1] ?? '').toLowerCase()] = part[2] ?? '';
  if (!params.realm) return undefined;
  return { realm: params.realm, ...(params.service ? { service: params.service } : {}), ...(params.scope ? { scope: params.scope } : {}) };
}

/** A docker config's `auths` as (registry host or URL prefix, credentials). */
export function dockerConfigCredentials(secret: string, json: string): { key: string; credentials: GitCredentials }[] {
  let config: unknown;
  try {
    config = JSON.parse(json);
  } catch (error) {
    throw new InvalidSourceError('AuthenticationFailed', `Secret ${secret}: .dockerconfigjson is not JSON`, { cause: error });
  }
  const auths = (config as { auths?: unknown } | null)?.auths;
  if (typeof auths !== 'object' || auths === null) throw new InvalidSourceError('AuthenticationFailed', `Secret ${secret}: .dockerconfigjson has no "auths"`);
  const out: { key: string; credentials: GitCredentials }[] = [];
  for (const [key, value] of Object.entries(auths as Record<string, unknown>)) {
    const entry = (value ?? {}) as { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown; registrytoken?: unknown };
    let username = typeof entry.username === 'string' ? entry.username : undefined;
    let password = typeof entry.password === 'string' ? entry.password : undefined;
    if (typeof entry.auth === 'string' && (username === undefined || password === undefined)) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    }
    if (typeof entry.registrytoken === 'string' && entry.registrytoken) out.push({ key, credentials: { kind: 'token', token: entry.registrytoken } });
    else if (username && password) out.push({ key, credentials: { kind: 'basic', username, password } });
  }
  return out;
}

/** `registry.example.com`, `https://registry.example.com/v1/`, `oci://host/path` → URL prefixes Berth compares with (`oci://host/` and `https://host/`). */
export function prefixesOfRegistryKey(key: string): string[] {
  const trimmed = key.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme.replace(/^oci:/i, 'https:'));
  } catch {
    return [];
  }
  // Docker Hub's historical key names the index API, which says nothing about paths.
  const path = url.pathname.replace(/^\/v[12]\/?$/, '/').replace(/\/?$/, '/');
  const host = url.host.toLowerCase();
  if (/^oci:/i.test(trimmed)) return [`oci://${host}${path}`];
  if (/^https?:/i.test(trimmed) && path !== '/') return [`${url.protocol}//${host}${path}`];
  return [`oci://${host}/`, `https://${host}/`, `http://${host}/`];
}
