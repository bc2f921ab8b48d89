/**
 * A Git repository as Berth addresses it: an https (or, for tests and local
 * mirrors, http) URL and optional credentials. Credentials written into the URL
 * are taken out of it, so the URL Berth prints, stores and uses as a key never
 * holds a secret. SSH URLs are rejected with the https form to use instead
 * (isomorphic-git, Berth's Git client, speaks only smart HTTP).
 */
import { createHash } from 'node:crypto';
import { InvalidSourceError } from '../errors.ts';

/** HTTPS credentials, sent up front with every request (no 401 round trip). */
export type GitCredentials =
  | { kind: 'token'; token: string; /** With a username the token goes as a Basic password (GitHub, GitLab); without, as a Bearer token. */ username?: string }
  | { kind: 'basic'; username: string; password: string };

export interface Repository {
  /** The URL without user info or fragment: safe to print and to use as a key. */
  url: string;
  credentials?: GitCredentials;
}

const scpLike = /^(?:[\w.-]+@)?([\w.-]+):(?!\/\/)(.+)$/;

/** The https URL a user meant by an SSH URL, for the error message. */
function httpsFormOf(url: string): string {
  const ssh = /^ssh:\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.+)$/.exec(url);
  const scp = scpLike.exec(url);
  const [host, path] = ssh ? [ssh[1], ssh[2]] : scp ? [scp[1], scp[2]] : ['host', 'owner/repo.git'];
  return `https://${host ?? 'host'}/${(path ?? '').replace(/^\/+/, '')}`;
}

/**
 * Parses a repository URL. User info in the URL becomes credentials (explicit
 * `credentials` win); anything but http(s) is an InvalidSourceError.
 */
export function parseRepository(rawUrl: string, credentials?: GitCredentials): Repository {
  const trimmed = rawUrl.trim();
  if (/^ssh:\/\//i.test(trimmed) || (!/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) && scpLike.test(trimmed))) {
    throw new InvalidSourceError('InvalidURL',
      `${redactUrl(trimmed)}: SSH repositories are not supported; use the https form, e.g. ${httpsFormOf(trimmed)}, with a token in credentialsSecret`);
  }
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch (error) {
    throw new InvalidSourceError('InvalidURL', `${redactUrl(trimmed)}: not a valid URL`, { cause: error });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InvalidSourceError('InvalidURL', `${redactUrl(trimmed)}: only https:// (and http://) repositories are supported, not ${parsed.protocol}`);
  }
  let fromUrl: GitCredentials | undefined;
  if (parsed.username || parsed.password) {
    const username = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    fromUrl = password ? { kind: 'basic', username, password } : { kind: 'token', token: username };
  }
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  const chosen = credentials ?? fromUrl;
  return chosen ? { url: parsed.toString(), credentials: chosen } : { url: parsed.toString() };
}

/** A URL with any user info replaced by `***`, for messages about URLs that did not parse. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}

export function authorizationHeader(credentials: GitCredentials | undefined): Record<string, string> {
  if (!credentials) return {};
  if (credentials.kind === 'token' && !credentials.username) return { Authorization: `Bearer ${credentials.token}` };
  const [user, secret] = credentials.kind === 'token'
    ? [credentials.username ?? '', credentials.token]
    : [credentials.username, credentials.password];
  return { Authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` };
}

/**
 * Credentials from the data of a Secret (values already base64-decoded):
 * `token` (with an optional `username`), or `username` and `password`.
 */
export function credentialsFromSecretData(name: string, data: Readonly<Record<string, string | undefined>>): GitCredentials {
  const { token, username, password } = data;
  if (token) return username ? { kind: 'token', token, username } : { kind: 'token', token };
  if (username && password) return { kind: 'basic', username, password };
  throw new InvalidSourceError('AuthenticationFailed', `Secret ${name}: needs a "token" key, or "username" and "password"`);
}

/**
 * Credentials from the environment, for `berth render` and single-repository
 * set-ups: BERTH_GIT_TOKEN (with optional BERTH_GIT_USERNAME), or
 * BERTH_GIT_USERNAME and BERTH_GIT_PASSWORD.
 */
export function credentialsFromEnvironment(env: NodeJS.ProcessEnv = process.env): GitCredentials | undefined {
  const token = env.BERTH_GIT_TOKEN;
  const username = env.BERTH_GIT_USERNAME;
  const password = env.BERTH_GIT_PASSWORD;
  if (token) return username ? { kind: 'token', token, username } : { kind: 'token', token };
  if (username && password) return { kind: 'basic', username, password };
  return undefined;
}

/**
 * A stable key for a repository as seen with given credentials. Credentials are
 * part of it so that an Application with wrong credentials never reads what one
 * with the right ones fetched (on disk or in Redis); only a hash is kept.
 */
export function repositoryKey(repository: Repository): string {
  const hash = createHash('sha256').update(repository.url);
  if (repository.credentials) hash.update('\0').update(JSON.stringify(repository.credentials));
  return hash.digest('hex').slice(0, 32);
}
