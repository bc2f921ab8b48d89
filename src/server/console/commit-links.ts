/**
 * The web page of a commit, for the hosts whose URL layout is known: GitHub,
 * GitLab, Gitea / Forgejo (Codeberg), Bitbucket. Built from the Application's
 * repoURL, which is hostile input: only http(s), no user info kept, the path
 * only as owner/repository segments, the sha only as hex. Anything else gives
 * no link rather than a wrong or dangerous one.
 */
export type GitHost = 'github' | 'gitlab' | 'gitea' | 'bitbucket';

export function hostKindOf(hostname: string): GitHost | undefined {
  const host = hostname.toLowerCase();
  if (host === 'github.com' || host.startsWith('github.')) return 'github';
  if (host === 'gitlab.com' || host.startsWith('gitlab.')) return 'gitlab';
  if (host === 'bitbucket.org' || host.startsWith('bitbucket.')) return 'bitbucket';
  if (host === 'codeberg.org' || host.startsWith('gitea.') || host.startsWith('forgejo.')) return 'gitea';
  return undefined;
}

const segment = /^[A-Za-z0-9_.~-]+$/;

/** `https://host/owner/repo` of a repoURL, when it is a browsable repository of a known host. */
export function repositoryPageOf(repoURL: string): { page: string; host: GitHost } | undefined {
  let url: URL;
  try {
    url = new URL(repoURL);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const host = hostKindOf(url.hostname);
  if (!host) return undefined;
  const parts = url.pathname.replace(/\/+$/, '').replace(/\.git$/, '').split('/').filter(Boolean);
  if (parts.length < 2 || !parts.every((part) => segment.test(part) && part !== '.' && part !== '..')) return undefined;
  // GitLab groups nest; the others are owner/repository.
  if (host !== 'gitlab' && parts.length !== 2) return undefined;
  return { page: `${url.protocol}//${url.host}/${parts.join('/')}`, host };
}

export function commitUrlOf(repoURL: string, sha: string): string | undefined {
  if (!/^[0-9a-f]{7,64}$/.test(sha)) return undefined;
  const repository = repositoryPageOf(repoURL);
  if (!repository) return undefined;
  switch (repository.host) {
    case 'github':
    case 'gitea': return `${repository.page}/commit/${sha}`;
    case 'gitlab': return `${repository.page}/-/commit/${sha}`;
    case 'bitbucket': return `${repository.page}/commits/${sha}`;
  }
}
