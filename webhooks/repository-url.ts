/**
 * One key per repository, whatever form its URL takes, so a push can be matched
 * to the Applications whose `repoURL` names the same repository.
 *
 * Considered the same:
 * - the https, http, ssh (`ssh://git@host:22/owner/repo.git`), git://, and
 *   scp-like (`git@host:owner/repo.git`) forms: the scheme is dropped;
 * - any user info (`git@`, `user:token@`) and any port: the same repository is
 *   routinely served over https on one port and ssh on another (Gitea 3000/2222,
 *   Bitbucket Server 443/7999), so ports cannot tell repositories apart;
 * - any case of the host and of the path: GitHub, GitLab, Gitea/Forgejo and
 *   both Bitbuckets look repositories up case-insensitively. Only a bare Git
 *   server over ssh with a case-sensitive file system tells `Repo` from `repo`;
 * - a `.git` suffix, trailing slashes, repeated slashes, `.` segments, a query
 *   or fragment, and percent-encoding.
 *
 * Not considered the same: different hosts (including `www.` prefixes and
 * mirrors), and different paths to one repository (Bitbucket Server's
 * `https://host/scm/proj/repo.git` and `ssh://host:7999/proj/repo.git`; Azure
 * DevOps' `_git/` and `v3/` forms). Providers give every clone URL they know,
 * so matching any of them covers these.
 *
 * Erring towards "same" costs a spare refresh; erring towards "different" loses
 * a webhook until the next poll, hence these choices.
 */

const schemeForm = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/i;
/** `[user@]host:path`, where host has no slash and the path does not start with `//`. */
const scpForm = /^(?:[^@/]*@)?(\[[^\]]+\]|[^:/[\]]+):(?!\/\/)(.*)$/;

function hostOf(authority: string): string {
  const withoutUser = authority.slice(authority.lastIndexOf('@') + 1);
  const host = withoutUser.startsWith('[') ? withoutUser.slice(0, withoutUser.indexOf(']') + 1) : withoutUser.replace(/:\d*$/, '');
  return host.toLowerCase().replace(/\.$/, '');
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function pathKey(path: string): string {
  const segments = path
    .replace(/[?#].*$/, '')
    .split('/')
    .map(decodeSegment)
    .filter((segment) => segment !== '' && segment !== '.');
  const last = segments.at(-1);
  if (last !== undefined && /\.git$/i.test(last)) {
    const bare = last.slice(0, -4);
    if (bare === '') segments.pop();
    else segments[segments.length - 1] = bare;
  }
  return segments.join('/').toLowerCase();
}

/**
 * The canonical key of a repository URL: `host/owner/repo`, lower-case; for a
 * local path or `file://` URL, `/the/path`. '' when the URL names no repository
 * (empty, or a host without a path).
 */
export function normalizeRepositoryUrl(url: string): string {
  const text = url.trim();
  if (text === '') return '';
  const withScheme = schemeForm.exec(text);
  if (withScheme) {
    const [, scheme = '', authority = '', path = ''] = withScheme;
    const path_ = pathKey(path);
    if (scheme.toLowerCase() === 'file') return path_ === '' ? '' : `/${path_}`;
    const host = hostOf(authority);
    return host === '' || path_ === '' ? '' : `${host}/${path_}`;
  }
  const scp = scpForm.exec(text);
  // A one-letter "host" before a backslash or nothing is a Windows drive, not scp.
  if (scp && !(scp[1]?.length === 1 && /^(\\|$)/.test(scp[2] ?? ''))) {
    const host = hostOf(scp[1] ?? '');
    const path = pathKey(scp[2] ?? '');
    return host === '' || path === '' ? '' : `${host}/${path}`;
  }
  const local = pathKey(text);
  return local === '' ? '' : `/${local}`;
}

/**
 * `project/slug` of a repository URL, lower-case, for payloads that name a
 * repository by project key and slug alone (Bitbucket Data Center): the last
 * two path segments (`/scm/proj/repo.git`, `ssh://host:7999/proj/repo.git`), or
 * the two named in a browse URL (`/projects/PROJ/repos/repo/browse`). '' when
 * the URL has no host or fewer than two segments.
 */
export function repositoryProjectPath(url: string): string {
  const key = normalizeRepositoryUrl(url);
  if (key === '' || key.startsWith('/')) return '';
  const segments = key.split('/').slice(1);
  const projects = segments.indexOf('projects');
  if (projects >= 0 && segments[projects + 2] === 'repos' && segments[projects + 3] !== undefined) {
    return `${segments[projects + 1]}/${segments[projects + 3]}`;
  }
  return segments.length < 2 ? '' : segments.slice(-2).join('/');
}

/** Whether two URLs name the same repository (see `normalizeRepositoryUrl`); never for URLs that name none. */
export function isSameRepository(a: string, b: string): boolean {
  const key = normalizeRepositoryUrl(a);
  return key !== '' && key === normalizeRepositoryUrl(b);
}
