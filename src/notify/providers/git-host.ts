/**
 * Where a Git-host provider sends its token and which repository it names.
 * The API base comes from the provider's configuration only (default: the
 * public host of its kind); the Application's repoURL, which a tenant writes,
 * supplies owner and repository and must be on that same host. Otherwise a
 * cluster-wide GitHub provider would send its token to whatever host a tenant's
 * repoURL named. Every path segment is validated and then percent-encoded, so
 * `../../orgs/x` or `a%2F..` cannot reach another API path.
 */
import type { ProviderConfig } from './event.ts';
import { parseAddress } from './http-outcome.ts';

export type GitHostKind = 'github' | 'gitlab' | 'gitea' | 'bitbucket';

export interface GitHostRepository {
  /** The API base URL, without a trailing slash (`https://api.github.com`). */
  readonly apiBase: string;
  /** The web base URL (`https://github.com`), for links. */
  readonly webBase: string;
  /** Owner (GitLab: every group of the namespace) then repository, validated, not encoded. */
  readonly segments: readonly string[];
}

const defaultWebBase: Record<GitHostKind, string | undefined> = {
  github: 'https://github.com',
  gitlab: 'https://gitlab.com',
  gitea: undefined,
  bitbucket: 'https://bitbucket.org',
};

/** Names GitHub, GitLab, Gitea and Bitbucket allow for owners, groups and repositories, and nothing that means a path. */
const segmentPattern = /^[A-Za-z0-9_.-]{1,100}$/;

const schemeForm = /^(https?|ssh|git):\/\/([^/?#]*)([^?#]*)$/i;
const scpForm = /^(?:[A-Za-z0-9_.-]+@)?([A-Za-z0-9.-]+):(?!\/)([^?#]*)$/;

interface ParsedRepositoryUrl {
  readonly hostname: string;
  readonly segments: string[];
}

/** Host and path segments of an https, ssh or scp-like repository URL, or why they cannot be used. */
export function parseRepositoryUrl(repoURL: string): ParsedRepositoryUrl | string {
  const text = repoURL.trim();
  let hostname: string;
  let path: string;
  const scheme = schemeForm.exec(text);
  const scp = scheme ? undefined : scpForm.exec(text);
  if (scheme) {
    const authority = (scheme[2] ?? '').slice((scheme[2] ?? '').lastIndexOf('@') + 1);
    hostname = authority.replace(/:\d*$/, '');
    path = scheme[3] ?? '';
  } else if (scp) {
    hostname = scp[1] ?? '';
    path = scp[2] ?? '';
  } else {
    return 'repoURL is neither an https, ssh nor scp-like (git@host:owner/repo) URL';
  }
  if (!/^[A-Za-z0-9.-]+$/.test(hostname)) return 'repoURL has no usable host name';
  const segments: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return 'repoURL has a malformed percent-encoding';
    }
    if (segment === '.' || segment === '..') return 'repoURL has a "." or ".." path segment';
    if (!segmentPattern.test(segment)) return 'repoURL has a path segment with characters no Git host allows in a name';
    segments.push(segment);
  }
  const last = segments.at(-1);
  if (last !== undefined && /\.git$/i.test(last)) segments[segments.length - 1] = last.slice(0, -4);
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return 'repoURL has an empty repository name';
  return { hostname: hostname.toLowerCase(), segments };
}

function apiBaseOf(kind: GitHostKind, web: URL): string | undefined {
  const base = `${web.origin}${web.pathname.replace(/\/+$/, '')}`;
  switch (kind) {
    case 'github':
      return web.hostname === 'github.com' || web.hostname === 'api.github.com' ? 'https://api.github.com' : `${base}/api/v3`;
    case 'gitlab':
      return `${base}/api/v4`;
    case 'gitea':
      return `${base}/api/v1`;
    case 'bitbucket':
      // Bitbucket Server/Data Center has another API; only Cloud is supported.
      return web.hostname === 'bitbucket.org' || web.hostname === 'api.bitbucket.org' ? 'https://api.bitbucket.org/2.0' : undefined;
  }
}

/** The repository an event's Application names, on the provider's host, or why not (a reason that names no secret). */
export function resolveRepository(config: ProviderConfig, kind: GitHostKind, repoURL: string | undefined): GitHostRepository | string {
  const who = `${config.kind} provider ${config.name}`;
  const web = parseAddress(config, config.address ?? defaultWebBase[kind]);
  if (typeof web === 'string') return web;
  const apiBase = apiBaseOf(kind, web);
  if (apiBase === undefined) return `${who}: only Bitbucket Cloud (https://bitbucket.org) is supported, not ${web.hostname}`;
  if (repoURL === undefined || repoURL.trim() === '') return `${who}: the Application has no repoURL`;
  const repository = parseRepositoryUrl(repoURL);
  if (typeof repository === 'string') return `${who}: ${repository}`;
  const webHost = web.hostname.replace(/^api\./, '') === 'github.com' || web.hostname.replace(/^api\./, '') === 'bitbucket.org'
    ? web.hostname.replace(/^api\./, '')
    : web.hostname;
  if (repository.hostname !== webHost.toLowerCase()) {
    return `${who}: the repository is on ${repository.hostname}, not on ${webHost}, which this provider posts to`;
  }
  // A GitLab (or Gitea) served under a path prefix has it in https repoURLs too.
  const prefix = web.pathname.split('/').filter((segment) => segment !== '');
  let segments = repository.segments;
  if (prefix.length > 0 && prefix.every((segment, index) => segments[index] === segment)) segments = segments.slice(prefix.length);
  const expected = kind === 'gitlab' ? 'at least 2' : 'exactly 2';
  if (kind === 'gitlab' ? segments.length < 2 : segments.length !== 2) {
    return `${who}: the repository path has ${segments.length} segments, ${kind} needs ${expected} (owner/repository)`;
  }
  const webBase = web.hostname === 'api.github.com' ? 'https://github.com' : web.hostname === 'api.bitbucket.org' ? 'https://bitbucket.org' : `${web.origin}${web.pathname.replace(/\/+$/, '')}`;
  return { apiBase, webBase, segments };
}

/** `owner/repo` as two encoded path segments (GitHub, Gitea, Bitbucket). */
export function ownerRepoPath(repository: GitHostRepository): string {
  return repository.segments.map(encodeURIComponent).join('/');
}

/** GitLab's `:id`: the full project path, URL-encoded as one segment (`group%2Fsub%2Frepo`). */
export function gitlabProjectId(repository: GitHostRepository): string {
  return encodeURIComponent(repository.segments.join('/'));
}

/** A full commit SHA (SHA-1 or SHA-256); anything else (a chart version, an OCI digest) has no commit to mark. */
export function isCommitSha(revision: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(revision);
}
