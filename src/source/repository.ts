/**
 * A Git repository as Berth addresses it: an https (or, for tests and local
 * mirrors, http) URL, or an SSH one (`ssh://host/path`, `git@host:path`; see
 * ssh-url.ts), and optional credentials. Credentials written into the URL
 * are taken out of it, so the URL Berth prints, stores and uses as a key never
 * holds a secret. An SSH repository needs SSH credentials (a private key and
 * known hosts), an https one a token or password: the wrong kind is refused here.
 */
import { createHash } from 'node:crypto';
import { InvalidSourceError } from '../errors.ts';
import type { SshCredentials } from './ssh-connection.ts';
import { isSshUrl, parseSshUrl, type SshLocation } from './ssh-url.ts';

/** HTTPS credentials, sent up front with every request (no 401 round trip). */
export type GitCredentials =
  | { kind: 'token'; token: string; /** With a username the token goes as a Basic password (GitHub, GitLab); without, as a Bearer token. */ username?: string }
  | { kind: 'basic'; username: string; password: string }
  | SshCredentials;

export interface Repository {
  /** The URL without user info or fragment: safe to print and to use as a key. */
  url: string;
  credentials?: GitCredentials;
  /** For an SSH repository: where to connect, as whom, and the path to ask git-upload-pack for. */
  ssh?: Omit<SshLocation, 'url'>;
}

function parseSshRepository(trimmed: string, credentials: GitCredentials | undefined): Repository {
  const { url, ...location } = parseSshUrl(trimmed);
  if (credentials !== undefined && credentials.kind !== 'ssh') {
    throw new InvalidSourceError('AuthenticationFailed', `${url}: an SSH repository needs sshPrivateKey and knownHosts in credentialsSecret, not a token or password`);
  }
  return credentials ? { url, ssh: location, credentials } : { url, ssh: location };
}

/**
 * Parses a repository URL. User info in the URL becomes credentials (explicit
 * `credentials` win); anything but http(s) is an InvalidSourceError.
 */
export function parseRepository(rawUrl: string, credentials?: GitCredentials): Repository {
  const trimmed = rawUrl.trim();
  if (isSshUrl(trimmed)) return parseSshRepository(trimmed, credentials);
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
  if (credentials?.kind === 'ssh') {
    throw new InvalidSourceError('AuthenticationFailed', `${parsed.toString()}: credentialsSecret holds sshPrivateKey, which serves ssh:// URLs; use the repository's SSH URL, or a token for https`);
  }
  const chosen = credentials ?? fromUrl;
  return chosen ? { url: parsed.toString(), credentials: chosen } : { url: parsed.toString() };
}

/** A URL with any user info replaced by `***`, for messages about URLs that did not parse. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}

export function authorizationHeader(credentials: GitCredentials | undefined): Record<string, string> {
  if (!credentials || credentials.kind === 'ssh') return {};
  if (credentials.kind === 'token' && !credentials.username) return { Authorization: `Bearer ${credentials.token}` };
  const [user, secret] = credentials.kind === 'token'
    ? [credentials.username ?? '', credentials.token]
    : [credentials.username, credentials.password];
  return { Authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` };
}

/**
 * Credentials from the data of a Secret (values already base64-decoded):
 * `token` (with an optional `username`), or `username` and `password`, or
 * `sshPrivateKey` with `knownHosts` (and `sshPassphrase` for an encrypted key).
 * known hosts are required unless `trustOnFirstUse` (--ssh-trust-on-first-use).
 */
export function credentialsFromSecretData(name: string, data: Readonly<Record<string, string | undefined>>, options: { trustOnFirstUse?: boolean } = {}): GitCredentials {
  const { token, username, password, sshPrivateKey, knownHosts, sshPassphrase } = data;
  if (sshPrivateKey) {
    if (!knownHosts?.trim() && !options.trustOnFirstUse) {
      throw new InvalidSourceError('AuthenticationFailed', `Secret ${name}: has sshPrivateKey but no knownHosts; add the server's known_hosts lines (ssh-keyscan, checked out of band), or start the controller with --ssh-trust-on-first-use`);
    }
    return { kind: 'ssh', privateKey: sshPrivateKey, knownHosts: knownHosts ?? '', ...(sshPassphrase ? { passphrase: sshPassphrase } : {}) };
  }
  if (token) return username ? { kind: 'token', token, username } : { kind: 'token', token };
  if (username && password) return { kind: 'basic', username, password };
  throw new InvalidSourceError('AuthenticationFailed', `Secret ${name}: needs a "token" key, or "username" and "password", or "sshPrivateKey" and "knownHosts"`);
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
  // scp-like `host:x` (home-relative) and `ssh://host/x` (absolute) keep one URL but are different paths.
  if (repository.ssh) hash.update('\0').update(JSON.stringify([repository.ssh.user, repository.ssh.remotePath]));
  if (repository.credentials) hash.update('\0').update(JSON.stringify(repository.credentials));
  return hash.digest('hex').slice(0, 32);
}
