/**
 * Reads of the cluster the console needs beyond the stored status: the live
 * descendants of an Application's workloads (ReplicaSets, Jobs, Pods, found
 * through ownerReferences) for the resource tree, and one live object for the
 * "why is this field not drift" answer. One list per kind and namespace per
 * page view, never one request per object; each object is reduced to its
 * identity, owners and health here, so nothing else of it (env values, say)
 * leaves this module.
 */
import { assessHealth } from '../../../health/index.ts';
import type { RegisteredApp } from '../../application/app-registry.ts';
import { decideDestination } from '../../clusters/destination.ts';
import { parseApiVersion, type KubeObject, type ObjectRef } from '../../../objects.ts';
import { objectPath, type Discovery } from '../../kube/discovery.ts';
import { KubeApiError, type RestClient } from '../../kube/rest.ts';

export interface LiveNode {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  /** UIDs of its controllers / owners. */
  owners: string[];
  health?: { status: string; message?: string };
  /** `spec.replicas` of a ReplicaSet (old ones at 0 are left out of the tree). */
  replicas?: number;
}

export interface LiveWorkloads {
  nodes: LiveNode[];
  /** Some list was cut at its cap. */
  truncated: boolean;
}

export interface LiveReader {
  workloads(namespaces: readonly string[], app: RegisteredApp): Promise<LiveWorkloads>;
  /** The object as the cluster has it (managedFields included), undefined when it does not exist. */
  object(ref: ObjectRef, app: RegisteredApp): Promise<KubeObject | undefined>;
}

/**
 * Reads go to the cluster Berth runs against only: an Application deployed to
 * another cluster (spec.destination name or server) would otherwise be shown
 * this cluster's objects of the same names.
 */
function refuseRemote(app: RegisteredApp): void {
  if (!app.valid) return;
  const { clusterName, server, destinationNamespace } = app.spec;
  const decision = decideDestination({ applicationNamespace: app.application.metadata.namespace, destination: { name: clusterName, server, namespace: destinationNamespace }, policyClusters: [] }, []);
  if (decision.kind !== 'local') {
    throw new Error(`Application ${app.key} deploys to cluster ${decision.name}; the console reads live objects of the controller's own cluster only`);
  }
}

/** The collections the tree is built from, per namespace. */
export const workloadCollections = [
  { path: 'apis/apps/v1', resource: 'deployments', kind: 'Deployment' },
  { path: 'apis/apps/v1', resource: 'statefulsets', kind: 'StatefulSet' },
  { path: 'apis/apps/v1', resource: 'daemonsets', kind: 'DaemonSet' },
  { path: 'apis/apps/v1', resource: 'replicasets', kind: 'ReplicaSet' },
  { path: 'apis/batch/v1', resource: 'cronjobs', kind: 'CronJob' },
  { path: 'apis/batch/v1', resource: 'jobs', kind: 'Job' },
  { path: 'api/v1', resource: 'pods', kind: 'Pod' },
] as const;

export const maxPerList = 5_000;
export const maxNamespaces = 50;

interface ListBody { items?: KubeObject[]; metadata?: { continue?: string } }

/** List items carry no apiVersion and kind: the collection says them. */
export function liveNodeOf(item: KubeObject, apiVersion: string, kind: string): LiveNode {
  const object: KubeObject = { ...item, apiVersion, kind };
  const { group, version } = parseApiVersion(apiVersion);
  const health = assessHealth(object);
  const node: LiveNode = {
    group, version, kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name ?? '',
    uid: object.metadata.uid ?? '',
    owners: (object.metadata.ownerReferences ?? []).map((owner) => owner.uid).filter(Boolean),
  };
  if (health) node.health = { status: health.status, message: health.message };
  const replicas = (object.spec as { replicas?: unknown } | undefined)?.replicas;
  if (kind === 'ReplicaSet' && typeof replicas === 'number') node.replicas = replicas;
  return node;
}

export function createLiveReader(rest: RestClient, discovery: Discovery): LiveReader {
  return {
    async workloads(namespaces, app) {
      refuseRemote(app);
      let truncated = namespaces.length > maxNamespaces;
      const lists = namespaces.slice(0, maxNamespaces).flatMap((namespace) => workloadCollections.map(async (collection) => {
        const path = `/${collection.path}/namespaces/${encodeURIComponent(namespace)}/${collection.resource}`;
        const { body } = await rest.request('GET', path, { query: { limit: String(maxPerList) } });
        const list = body as ListBody;
        if (list.metadata?.continue) truncated = true;
        return (list.items ?? []).map((item) => liveNodeOf(item, collection.path.replace(/^apis?\//, ''), collection.kind));
      }));
      const nodes = (await Promise.all(lists)).flat();
      return { nodes, truncated };
    },
    async object(ref, app) {
      refuseRemote(app);
      const apiVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
      const info = await discovery.resolve(apiVersion, ref.kind);
      try {
        const { body } = await rest.request('GET', objectPath(info, ref.namespace, ref.name));
        return body as KubeObject;
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return undefined;
        throw error;
      }
    },
  };
}
