/**
 * Gives each desired object the namespace it will live in: the destination
 * namespace for a namespaced object that names none, no namespace for a
 * cluster-scoped one (whatever the manifest says). The scope of a kind comes
 * from a CRD in the same desired set, else from the API server's discovery.
 * Kinds neither knows are left as they are; their apply reports the problem.
 */
import { parseApiVersion, type KubeObject } from '../objects.ts';
import type { ClusterClient, ResourceScope } from './cluster.ts';
import { isCustomResourceDefinition } from './kind-order.ts';

function scopesDefinedBy(objects: readonly KubeObject[]): Map<string, ResourceScope> {
  const scopes = new Map<string, ResourceScope>();
  for (const object of objects) {
    if (!isCustomResourceDefinition({ ...parseApiVersion(object.apiVersion), kind: object.kind })) continue;
    const spec = object.spec as { group?: unknown; names?: { kind?: unknown }; scope?: unknown } | undefined;
    if (typeof spec?.group === 'string' && typeof spec.names?.kind === 'string' && (spec.scope === 'Namespaced' || spec.scope === 'Cluster')) {
      scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope);
    }
  }
  return scopes;
}

/** The object with its namespace set or removed for its scope; the same object when nothing changes. */
export function withScopedNamespace(object: KubeObject, scope: ResourceScope | undefined, destination: string | undefined): KubeObject {
  const namespace = object.metadata.namespace;
  if (scope === 'Cluster' && namespace !== undefined) {
    const { namespace: _dropped, ...metadata } = object.metadata;
    return { ...object, metadata };
  }
  if (scope === 'Namespaced' && !namespace && destination !== undefined) {
    return { ...object, metadata: { ...object.metadata, namespace: destination } };
  }
  return object;
}

export async function assignNamespaces(objects: readonly KubeObject[], destination: string | undefined, client: ClusterClient): Promise<KubeObject[]> {
  const defined = scopesDefinedBy(objects);
  const discovered = new Map<string, Promise<ResourceScope | undefined>>();
  const scopeOf = (object: KubeObject): Promise<ResourceScope | undefined> => {
    const { group, version } = parseApiVersion(object.apiVersion);
    const fromSet = defined.get(`${group}/${object.kind}`);
    if (fromSet !== undefined) return Promise.resolve(fromSet);
    const key = `${group}/${version}/${object.kind}`;
    let pending = discovered.get(key);
    if (pending === undefined) {
      pending = client.resourceScope(group, version, object.kind);
      discovered.set(key, pending);
    }
    return pending;
  };
  return Promise.all(objects.map(async (object) => withScopedNamespace(object, await scopeOf(object), destination)));
}
