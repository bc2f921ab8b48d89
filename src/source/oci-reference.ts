/**
 * OCI references as Berth reads them from an Application: `oci://host[:port]/path/name`,
 * optionally with `:tag` or `@sha256:...` (the spec's targetRevision may say the same).
 * Pure. `normalizeOciRepository` is the one form every part of Berth compares
 * repositories by (poll keys, credentials, registry webhooks): scheme `oci://`, host
 * lower-cased, default port dropped, path as given (OCI names are lower-case already,
 * and a registry treats case in paths as significant), no tag, digest or trailing `/`.
 */
import { InvalidSourceError } from '../errors.ts';

export interface OciReference {
  /** `registry.example.com:5000`: what goes in https://<host>/v2/... */
  host: string;
  /** The repository within the registry: `team/charts/web`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** The distribution spec's grammar for a repository path component and a tag. */
const componentPattern = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
export const digestPattern = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;
const hostPattern = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/;

export function isOciUrl(url: string): boolean {
  return /^oci:\/\//i.test(url.trim());
}

/**
 * Parses `oci://host/path[:tag|@digest]`. Everything is checked against the
 * distribution grammar, so a reference can never carry `..`, a query, user info or
 * another host into the URLs Berth builds from it.
 */
export function parseOciReference(raw: string): OciReference {
  const trimmed = raw.trim();
  const fail = (why: string): never => {
    throw new InvalidSourceError('InvalidURL', `${trimmed.replace(/^(oci:\/\/)[^@/]*@/i, '$1***@')}: ${why}`);
  };
  if (!isOciUrl(trimmed)) fail('an OCI reference starts with oci://');
  let rest = trimmed.slice('oci://'.length);
  if ((rest.split('/')[0] ?? '').includes('@')) fail('must not carry credentials (user:token@): put them in credentialsSecret');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) fail(`${JSON.stringify(digest)} is not a sha256 or sha512 digest`);
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) fail('names no repository (oci://host/path/name)');
  const host = normalizeHost(rest.slice(0, slash));
  if (!hostPattern.test(host)) fail(`${JSON.stringify(host)} is not a registry host`);
  let path = rest.slice(slash + 1).replace(/\/+$/, '');
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!tagPattern.test(tag)) fail(`${JSON.stringify(tag)} is not a valid tag`);
  }
  if (path === '' || !path.split('/').every((part) => componentPattern.test(part))) {
    fail(`${JSON.stringify(path)} is not a repository path (lower-case letters, digits and . _ - between /)`);
  }
  if (path.length > 255) fail('the repository path is longer than 255 characters');
  return { host, repository: path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/:443$/, '');
}

/**
 * `oci://Registry.example.com:443/team/web:1.2@sha256:...` → `oci://registry.example.com/team/web`.
 * The form registry webhooks, poll keys and credential prefixes are matched by;
 * undefined when `raw` is not an OCI reference Berth accepts.
 */
export function normalizeOciRepository(raw: string): string | undefined {
  try {
    const { host, repository } = parseOciReference(raw);
    return `oci://${host}/${repository}`;
  } catch {
    return undefined;
  }
}

/** The reference an Application names: repoURL, with `chart` appended when set (`oci://host/charts` + `web`). */
export function ociReferenceOf(repoURL: string, chart: string | undefined): OciReference {
  const base = parseOciReference(repoURL);
  if (chart === undefined) return base;
  if (base.tag !== undefined || base.digest !== undefined) {
    throw new InvalidSourceError('InvalidURL', `${repoURL}: with chart set, repoURL names the registry path only (no tag or digest; put those in targetRevision)`);
  }
  return parseOciReference(`oci://${base.host}/${base.repository}/${chart}`);
}

export function formatOciReference(reference: OciReference): string {
  return `oci://${reference.host}/${reference.repository}${reference.tag ? `:${reference.tag}` : ''}${reference.digest ? `@${reference.digest}` : ''}`;
}
