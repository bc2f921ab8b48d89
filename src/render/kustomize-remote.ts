/**
 * Keeps a Kustomize build off the network (issue #13): before kustomize runs,
 * every kustomization reached from the Application's path (through
 * `resources`, `bases`, `components`, generators and transformers that are
 * folders) is read from the repository, and every entry kustomize would load
 * from elsewhere is found: an http(s) URL (kustomize fetches files over HTTP),
 * a remote base (`https://host/org/repo//path?ref=`, `git@host:org/repo`,
 * `github.com/org/repo/path`, `file:///srv/repo.git`, `git::`, `gh:`), or a
 * Helm chart with a repository. Each is refused, naming the file, the field and
 * the entry, unless `allowedRemoteBases` (URL globs, empty by default) admits
 * it, and then only an http(s) URL that passes the same address checks as
 * Berth's Git client (scheme, IP literals and metadata names, then every
 * address its host resolves to). A local entry that leaves the repository is
 * refused too. Kustomizations are parsed with Berth's YAML reader, so an alias
 * bomb in one is refused, not expanded.
 *
 * What an admitted remote base itself references cannot be read beforehand:
 * admitting a base trusts its content. A host name is resolved here and again
 * by kustomize, so the allow-list should name hosts the operator trusts.
 */
import path from 'node:path';
import { promisify } from 'node:util';
import type { LookupAddress } from 'node:dns';
import { guardedLookup } from '../policy/guarded-lookup.ts';
import { defaultSecurityPolicy, matchesGlob, type SecurityPolicy } from '../policy/policy.ts';
import { checkSourcePolicy } from '../policy/source-policy.ts';
import { InvalidSourceError } from '../errors.ts';
import { normalizeTreePath, type SourceTree } from '../source/source-tree.ts';
import { parseYamlDocuments } from './kube-yaml.ts';

export const kustomizationFiles = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** The address rules of the Git client that remote bases must pass too. */
export type RemoteBasePolicy = Pick<SecurityPolicy, 'allowHttpRepos' | 'allowPrivateRepos' | 'allowLinkLocalRepos'>;

export interface RemoteEntry {
  /** The kustomization, as a repository path. */
  file: string;
  /** `resources`, `helmCharts[2].repo`, ... */
  field: string;
  entry: string;
}

/**
 * Whether kustomize would load `entry` from outside the repository. A superset
 * of kustomize's own rules (api/internal/git/repospec.go: a scheme, a
 * `user@host` form, `gh:`/`git::`, a github.com path), so nothing kustomize
 * would fetch is taken for a local path.
 */
export function isRemoteEntry(entry: string): boolean {
  const value = entry.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.includes('://')
    // Any `@`: kustomize reads `user@host:path` as an SCP-style Git address; a file named `a@b.yaml` is refused too, rather than guessed at.
    || /^(git::|gh:)/i.test(value) || value.includes('@')
    || /^(www\.)?(github\.com|gitlab\.com|bitbucket\.org)([:/]|$)/i.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Fields whose entries may be folders with a kustomization of their own. */
const folderFields = ['resources', 'bases', 'components', 'generators', 'transformers', 'validators'] as const;
/** Fields whose entries are files kustomize loads (over HTTP too, when they are URLs). */
const fileFields = ['crds', 'configurations', 'patchesStrategicMerge'] as const;
/** Lists of objects with a `path` kustomize loads. */
const pathFields = ['patches', 'patchesJson6902', 'replacements'] as const;

/** Every entry of one kustomization that names something to load, with the field it is in. */
function entriesOf(kustomization: Record<string, unknown>): { field: string; entry: string; folder: boolean }[] {
  const out: { field: string; entry: string; folder: boolean }[] = [];
  for (const field of folderFields) for (const entry of strings(kustomization[field])) out.push({ field, entry, folder: true });
  for (const field of fileFields) for (const entry of strings(kustomization[field])) out.push({ field, entry, folder: false });
  for (const field of pathFields) {
    const list = kustomization[field];
    if (!Array.isArray(list)) continue;
    list.forEach((item, index) => {
      if (isRecord(item) && typeof item.path === 'string') out.push({ field: `${field}[${index}].path`, entry: item.path, folder: false });
    });
  }
  if (isRecord(kustomization.openapi) && typeof kustomization.openapi.path === 'string') {
    out.push({ field: 'openapi.path', entry: kustomization.openapi.path, folder: false });
  }
  for (const generator of ['configMapGenerator', 'secretGenerator'] as const) {
    const list = kustomization[generator];
    if (!Array.isArray(list)) continue;
    list.forEach((item, index) => {
      if (!isRecord(item)) return;
      const files = [...strings(item.files).map((file) => file.slice(file.indexOf('=') + 1)), ...strings(item.envs), ...(typeof item.env === 'string' ? [item.env] : [])];
      for (const entry of files) out.push({ field: `${generator}[${index}]`, entry, folder: false });
    });
  }
  const charts = kustomization.helmCharts;
  if (Array.isArray(charts)) {
    charts.forEach((chart, index) => {
      if (isRecord(chart) && typeof chart.repo === 'string' && chart.repo) out.push({ field: `helmCharts[${index}].repo`, entry: chart.repo, folder: false });
    });
  }
  const inflators = kustomization.helmChartInflationGenerator;
  if (Array.isArray(inflators)) {
    inflators.forEach((chart, index) => {
      if (isRecord(chart) && typeof chart.chartRepoUrl === 'string' && chart.chartRepoUrl) {
        out.push({ field: `helmChartInflationGenerator[${index}].chartRepoUrl`, entry: chart.chartRepoUrl, folder: false });
      }
    });
  }
  return out;
}

async function kustomizationIn(tree: SourceTree, folder: string): Promise<string | undefined> {
  for (const name of kustomizationFiles) {
    const file = path.posix.join(folder, name);
    if ((await tree.stat(file)) === 'file') return file;
  }
  return undefined;
}

/**
 * The remote entries of every kustomization reached from `appPath`. Throws an
 * InvalidPath error for a local entry that leaves the repository. A folder
 * without a kustomization, or a missing file, is left for kustomize to report.
 */
export async function findRemoteEntries(tree: SourceTree, appPath: string): Promise<RemoteEntry[]> {
  const remote: RemoteEntry[] = [];
  const visited = new Set<string>();
  const visit = async (folder: string): Promise<void> => {
    if (visited.has(folder)) return; // self-referencing kustomizations are kustomize's to report
    visited.add(folder);
    const file = await kustomizationIn(tree, folder);
    if (!file) return;
    const [document] = parseYamlDocuments((await tree.readFile(file)).toString('utf8'), file);
    if (!isRecord(document?.value)) return;
    for (const { field, entry, folder: mayBeFolder } of entriesOf(document.value)) {
      // An inline patch or generator config (a YAML document in the list) is not a path.
      if (entry.includes('\n')) continue;
      if (isRemoteEntry(entry)) {
        remote.push({ file, field, entry });
        continue;
      }
      if (path.posix.isAbsolute(entry)) {
        throw new InvalidSourceError('InvalidPath', `${file}: ${field} entry ${entry} is an absolute path; a kustomization may only use files of the repository`);
      }
      let target: string;
      try {
        target = normalizeTreePath(path.posix.join(folder, entry));
      } catch (error) {
        throw new InvalidSourceError('InvalidPath', `${file}: ${field} entry ${entry} leaves the repository`, { cause: error });
      }
      if (mayBeFolder && (await tree.stat(target)) === 'directory') await visit(target);
    }
  };
  await visit(appPath);
  return remote;
}

const lookupAll = (policy: RemoteBasePolicy) => {
  const lookup = guardedLookup(policy);
  return promisify((hostname: string, callback: (error: Error | null, addresses: LookupAddress[]) => void) => {
    lookup(hostname, { all: true }, (error, addresses) => { callback(error, addresses as unknown as LookupAddress[]); });
  });
};

/**
 * Refuses every remote entry the allow-list does not admit, and every admitted
 * one that is not an http(s) URL or whose address the Git client's policy
 * forbids. Returns whether the build needs the network (some entry was admitted).
 */
export async function checkRemoteEntries(entries: readonly RemoteEntry[], allowedRemoteBases: readonly string[], policy: RemoteBasePolicy): Promise<boolean> {
  for (const { file, field, entry } of entries) {
    const at = `${file}: ${field} entry ${entry}`;
    if (!allowedRemoteBases.some((pattern) => matchesGlob(pattern, entry))) {
      throw new InvalidSourceError('NotAllowed',
        `${at} is fetched from outside the repository, which Berth does not allow${allowedRemoteBases.length > 0 ? ` (--allowed-remote-bases: ${allowedRemoteBases.join(', ')})` : ' (see --allowed-remote-bases)'}`);
    }
    const decision = checkSourcePolicy(entry, { ...defaultSecurityPolicy, ...policy, allowedRepos: [] });
    if (!decision.allowed) throw new InvalidSourceError('NotAllowed', `${at}: ${decision.message.replace(/^repository /, '')}`);
    const hostname = new URL(entry).hostname.replace(/^\[|\]$/g, '');
    try {
      await lookupAll(policy)(hostname);
    } catch (error) {
      throw new InvalidSourceError('NotAllowed', `${at}: ${(error as Error).message}`, { cause: error });
    }
  }
  return entries.length > 0;
}
