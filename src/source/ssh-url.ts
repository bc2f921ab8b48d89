/**
 * SSH repository URLs as Berth keeps them, parsed without any I/O:
 *   ssh://[user@]host[:port]/path           path as written (absolute, or `/~...` home-relative as git reads it)
 *   [user@]host:path                        scp-like: git sends `path` verbatim (relative to the login's home)
 * The kept URL is always `ssh://host[:port]/path` without user info, so policy
 * globs, credential prefixes and cache keys see one form; the login name and the
 * exact path to hand git-upload-pack are kept beside it. Every part is hostile:
 * a host, user or path that could be read as an option by any SSH or Git program
 * (`-oProxyCommand=...`), or holds control characters or quotes, is refused here,
 * before anything connects.
 */
import { InvalidSourceError } from '../errors.ts';

export interface SshLocation {
  /** `ssh://host[:port]/path`: no user info, safe to print and to match. */
  url: string;
  host: string;
  port: number;
  /** The login name; `git` when the URL names none. */
  user: string;
  /** The path argument of `git-upload-pack`, as git would send it. */
  remotePath: string;
}

/** `[user@]host:path` as git reads it: no slash before the colon, and not `host://`. */
const scpLike = /^(?:([^@/:]+)@)?([^@/:[\]]+|\[[^\]]+\]):(?!\/\/)(.+)$/;

export function isSshUrl(url: string): boolean {
  const text = url.trim();
  return /^ssh:\/\//i.test(text) || (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && scpLike.test(text));
}

const hostName = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/i;
const ipv6 = /^\[[0-9a-f:.]+\]$/i;
const userName = /^[a-z0-9_][a-z0-9._-]*$/i;

function refuse(shown: string, why: string): never {
  throw new InvalidSourceError('InvalidURL', `${shown}: ${why}`);
}

function checkPath(shown: string, remotePath: string): void {
  if (remotePath.startsWith('-')) refuse(shown, 'the repository path starts with "-", which a Git server would read as an option');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f'"\\`$]/.test(remotePath)) refuse(shown, 'the repository path holds a control character, a quote, a backslash, "`" or "$"');
  if (remotePath.split('/').includes('..')) refuse(shown, 'the repository path holds a ".." segment');
  if (remotePath.replace(/^\/?~?\/?/, '') === '') refuse(shown, 'the URL names no repository path');
}

/** Parses an SSH URL (see isSshUrl); an InvalidSourceError names what is wrong, never a secret. */
export function parseSshUrl(raw: string): SshLocation {
  const text = raw.trim();
  const shown = text.replace(/^(ssh:\/\/)[^@/]*:[^@/]*@/i, '$1***@');
  let user: string | undefined;
  let host: string;
  let port = 22;
  let remotePath: string;
  if (/^ssh:\/\//i.test(text)) {
    const match = /^ssh:\/\/(?:([^@/]*)@)?(\[[^\]/]*\]|[^/:]*)(?::([^/]*))?(\/.*)?$/i.exec(text);
    if (!match) refuse(shown, 'not a valid ssh:// URL');
    const [, rawUser, rawHost = '', rawPort, rawPath = ''] = match;
    if (rawUser !== undefined) {
      if (rawUser.includes(':')) refuse(shown, 'an SSH URL carries no password; put sshPrivateKey in credentialsSecret');
      user = decodeURIComponent(rawUser);
    }
    host = rawHost;
    if (rawPort !== undefined && rawPort !== '') {
      if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) < 1 || Number(rawPort) > 65535) refuse(shown, `port ${JSON.stringify(rawPort)} is not a TCP port`);
      port = Number(rawPort);
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath.replace(/[?#].*$/, ''));
    } catch {
      refuse(shown, 'the path is not valid percent-encoding');
    }
    // git's own reading (connect.c): `ssh://host/~user/x` asks for `~user/x`, anything else for the absolute path.
    remotePath = decoded.startsWith('/~') ? decoded.slice(1) : decoded;
  } else {
    const match = scpLike.exec(text);
    if (!match) refuse(shown, 'not an SSH URL');
    [, user, host = '', remotePath = ''] = match;
  }
  if (user !== undefined && !userName.test(user)) refuse(shown, `the login name ${JSON.stringify(user.slice(0, 64))} is not a plain user name`);
  if (host.startsWith('-')) refuse(shown, 'the host starts with "-", which an SSH client would read as an option');
  if (!hostName.test(host) && !ipv6.test(host)) refuse(shown, `the host ${JSON.stringify(host.slice(0, 64))} is not a host name or an IP address`);
  checkPath(shown, remotePath);
  const hostLower = host.toLowerCase();
  const keptPath = remotePath.startsWith('/') ? remotePath : `/${remotePath}`;
  const url = `ssh://${hostLower}${port === 22 ? '' : `:${port}`}${encodeURI(keptPath)}`;
  return { url, host: hostLower.replace(/^\[|\]$/g, ''), port, user: user ?? 'git', remotePath };
}

/**
 * The remote command, quoted as git quotes it (sq_quote): the path is one
 * single-quoted word that cannot start an option (checkPath refused `-`).
 */
export function uploadPackCommand(remotePath: string): string {
  return `git-upload-pack '${remotePath.replace(/'/g, `'\\''`)}'`;
}
