/**
 * Which REST resource serves a kind, and whether it is namespaced, from the API
 * server's discovery documents. Cached per group/version; a kind that is not in
 * the cache triggers one refresh of that group/version, so a CRD created a moment
 * ago is found without restarting anything.
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
