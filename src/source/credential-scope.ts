/**
 * Where Git credentials may be sent, decided before any request: a
 * credentialsSecret annotated `berth.dev/repo-url-prefixes` (comma-separated)
 * serves only repository URLs that start with one of them, and the
 * controller-wide BERTH_GIT_* credentials go only to the hosts of
 * --git-credential-hosts (none when it is empty). URLs are compared as Berth
 * keeps them (parsed, no user info), and a prefix is normalized the same way,
 * so `https://git.example.com` cannot match `https://git.example.com.evil.io/`.
 */
import { parseRepository } from './repository.ts';

export const repoUrlPrefixesAnnotation = 'berth.dev/repo-url-prefixes';

const commaList = (value: string): string[] => value.split(',').map((item) => item.trim()).filter(Boolean);

/** The repository URL as Berth keeps it, or undefined when it does not parse (the reconcile reports that). */
function keptUrl(repoURL: string): string | undefined {
  try {
    return parseRepository(repoURL).url;
  } catch {
    return undefined;
  }
}

/**
 * Why Secret `secret` (`<namespace>/<name>`) may not be used for `repoURL`,
 * or undefined when it may: it has no prefix annotation, or the URL starts with
 * one of its prefixes.
 */
export function secretScopeProblem(secret: string, annotations: Readonly<Record<string, string>> | undefined, repoURL: string): string | undefined {
  const annotation = annotations?.[repoUrlPrefixesAnnotation];
  if (annotation === undefined) return undefined;
  const prefixes: string[] = [];
  for (const prefix of commaList(annotation)) {
    let parsed: URL;
    try {
      parsed = new URL(prefix);
    } catch {
      return `Secret ${secret}: annotation ${repoUrlPrefixesAnnotation} holds ${JSON.stringify(prefix)}, which is not a URL`;
    }
    parsed.username = '';
    parsed.password = '';
    parsed.hash = '';
    prefixes.push(parsed.href);
  }
  if (prefixes.length === 0) return `Secret ${secret}: annotation ${repoUrlPrefixesAnnotation} is empty, so it serves no repository`;
  const url = keptUrl(repoURL) ?? repoURL;
  if (prefixes.some((prefix) => url.startsWith(prefix))) return undefined;
  return `Secret ${secret} is bound to repository URLs starting with ${prefixes.join(', ')}, not ${url} (annotation ${repoUrlPrefixesAnnotation})`;
}

/**
 * Whether the controller-wide credentials may go to `repoURL`'s host. An entry
 * with a port (`git.example.com:8443`) must match host and port; one without
 * matches the host name on any port. Exact names only: no wildcards.
 */
export function mayUseControllerCredentials(repoURL: string, hosts: readonly string[]): boolean {
  const url = keptUrl(repoURL);
  if (url === undefined || hosts.length === 0) return false;
  const { host, hostname } = new URL(url);
  return hosts.some((entry) => {
    const wanted = entry.trim().toLowerCase();
    return wanted !== '' && (wanted === host || wanted === hostname);
  });
}
