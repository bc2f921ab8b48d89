/**
 * Which REST resource serves a kind, and whether it is namespaced, from the API
 * server's discovery documents. Cached per group/version; a kind that is not in
 * the cache triggers one refresh of that group/version, so a CRD created a moment
 * ago is found without restarting anything.
 *
 * Also what Helm is told about the cluster it renders for (clusterCapabilities):
 * the server's version and every group/version and group/version/Kind it
 * serves, as Argo CD passes them, so `kubeVersion` constraints and
 * `.Capabilities.APIVersions.Has` see the destination and not helm's defaults.
 */
import { parseApiVersion } from '../../objects.ts';
import { KubeApiError, type RestClient } from './rest.ts';

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name used in URLs, e.g. `deployments`. */
  resource: string;
  namespaced: boolean;
}

interface ApiResource { name: string; kind: string; namespaced: boolean }
interface ApiResourceList { resources?: ApiResource[] }

export interface Discovery {
  /** The resource for apiVersion/kind; throws a KubeApiError 404 when the server does not serve it. */
  resolve(apiVersion: string, kind: string): Promise<ResourceInfo>;
  /** Forget a group/version (after a CRD is created or changed). */
  invalidate(apiVersion?: string): void;
}

export function createDiscovery(rest: RestClient): Discovery {
  const cache = new Map<string, Promise<Map<string, ResourceInfo>>>();

  const load = async (apiVersion: string): Promise<Map<string, ResourceInfo>> => {
    const { group, version } = parseApiVersion(apiVersion);
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const kinds = new Map<string, ResourceInfo>();
    try {
      const { body } = await rest.request('GET', path);
      for (const r of (body as ApiResourceList).resources ?? []) {
        if (r.name.includes('/')) continue; // subresources such as deployments/status
        kinds.set(r.kind, { group, version, kind: r.kind, resource: r.name, namespaced: r.namespaced });
      }
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
    return kinds;
  };

  const lookup = (apiVersion: string, refresh: boolean): Promise<Map<string, ResourceInfo>> => {
    let entry = cache.get(apiVersion);
    if (!entry || refresh) {
      entry = load(apiVersion);
      cache.set(apiVersion, entry);
      // A failed load must not stay cached.
      entry.catch(() => { cache.delete(apiVersion); });
    }
    return entry;
  };

  return {
    async resolve(apiVersion, kind) {
      let info = (await lookup(apiVersion, false)).get(kind);
      info ??= (await lookup(apiVersion, true)).get(kind);
      if (!info) {
        throw new KubeApiError(404, 'NotFound', `the server does not serve ${kind} in ${apiVersion} (is its CRD installed?)`, undefined);
      }
      return info;
    },
    invalidate(apiVersion) {
      if (apiVersion) cache.delete(apiVersion);
      else cache.clear();
    },
  };
}

/** The URL path of one object, or of the collection when `name` is empty. */
export function objectPath(info: ResourceInfo, namespace: string, name: string): string {
  const root = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const scope = info.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${scope}/${info.resource}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/** What `helm template --kube-version` and `--api-versions` are given for this cluster. */
export interface ClusterCapabilities {
  /** The server's gitVersion without build metadata, e.g. `v1.34.1` or `v1.30.2-eks-1a2b3c`. */
  kubeVersion: string;
  /** `v1`, `v1/ConfigMap`, `apps/v1`, `apps/v1/Deployment`, ...: sorted, no subresources. */
  apiVersions: string[];
}

interface ApiGroupList { groups?: { versions?: { groupVersion: string }[] }[] }

/** A semantic version helm accepts; anything else from the server is refused rather than passed on. */
const kubeVersionPattern = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

async function readCapabilities(rest: Pick<RestClient, 'request'>): Promise<ClusterCapabilities> {
  const { gitVersion } = (await rest.request('GET', '/version')).body as { gitVersion?: unknown };
  // Build metadata (`+k3s1`) is not part of a semantic version's precedence, and helm refuses some of it.
  const kubeVersion = typeof gitVersion === 'string' ? gitVersion.replace(/\+.*$/, '') : '';
  if (!kubeVersionPattern.test(kubeVersion)) throw new Error(`GET /version: gitVersion ${JSON.stringify(gitVersion)} is not a Kubernetes version`);
  const core = ((await rest.request('GET', '/api')).body as { versions?: string[] }).versions ?? [];
  const groups = ((await rest.request('GET', '/apis')).body as ApiGroupList).groups ?? [];
  const groupVersions = [...core, ...groups.flatMap((group) => (group.versions ?? []).map((version) => version.groupVersion))];
  const entries = new Set<string>();
  await Promise.all(groupVersions.map(async (groupVersion) => {
    entries.add(groupVersion);
    try {
      const { body } = await rest.request('GET', groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`);
      for (const resource of (body as ApiResourceList).resources ?? []) {
        if (!resource.name.includes('/')) entries.add(`${groupVersion}/${resource.kind}`);
      }
    } catch (error) {
      // An aggregated API that is down (503) or a group removed since /apis was read: its kinds are unknown, its group/version is kept.
      if (!(error instanceof KubeApiError && (error.status === 404 || error.status === 503))) throw error;
    }
  }));
  return { kubeVersion, apiVersions: [...entries].sort() };
}

/**
 * The cluster's capabilities, read once and then again at most every `maxAgeMs`
 * (default 10 minutes: a cluster upgrade or a new CRD is rare). A failed
 * refresh keeps the last answer; only a first read that fails throws, and the
 * next call tries again.
 */
export function clusterCapabilities(rest: Pick<RestClient, 'request'>, options: { maxAgeMs?: number; now?: () => number } = {}): () => Promise<ClusterCapabilities> {
  const maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  let last: { value: ClusterCapabilities; at: number } | undefined;
  let pending: Promise<ClusterCapabilities> | undefined;
  return async () => {
    if (last && now() - last.at < maxAgeMs) return last.value;
    pending ??= readCapabilities(rest).then((value) => {
      last = { value, at: now() };
      return value;
    }).finally(() => { pending = undefined; });
    if (!last) return pending;
    const stale = last.value;
    return pending.catch(() => stale);
  };
}
