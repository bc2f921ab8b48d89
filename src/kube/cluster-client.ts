/**
 * sync/'s ClusterClient over the real API server: server-side apply with field
 * manager `berth` (the one place Berth applies and deletes the objects it
 * deploys; its release records and Application status are written elsewhere,
 * under `recordFieldManager`, and Events by events.ts), get, delete, and the
 * scope of a kind from discovery. Every failure is a ClusterError whose message
 * starts with the object, classified by sync/'s own rules.
 */
import { fieldManager, formatRef, refOf, type KubeObject, type ObjectRef } from '../../objects.ts';
import { ClusterError, classifyKubeStatus, type ClusterClient, type ObjectEvent, type ResourceScope } from '../../sync/cluster.ts';
import { objectPath, type Discovery, type ResourceInfo } from './discovery.ts';
import { KubeApiError, type RestClient } from './rest.ts';

export interface KubeClusterClient extends ClusterClient {
  /** Objects of one kind, optionally in one namespace and matching a label selector. */
  list(apiVersion: string, kind: string, options?: { namespace?: string; labelSelector?: string }): Promise<KubeObject[]>;
  listEvents(ref: ObjectRef): Promise<ObjectEvent[]>;
}

interface CoreEvent {
  involvedObject?: { uid?: string };
  reason?: string;
  message?: string;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
  metadata?: { creationTimestamp?: string };
}

function toClusterError(error: unknown, ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>, action: string): ClusterError {
  if (error instanceof ClusterError) return error;
  if (error instanceof KubeApiError) {
    const reason = classifyKubeStatus({ code: error.status, reason: error.reason, message: error.message });
    const detail = error.message.replace(/^[A-Z]+ \S+: \d+ /, '');
    return new ClusterError(reason, `${formatRef(ref)}: ${action} failed: ${detail}`, { code: error.status, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ClusterError('Transient', `${formatRef(ref)}: ${action} failed: ${message}`, { cause: error });
}

function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 404;
}

export function createClusterClient(rest: RestClient, discovery: Discovery): KubeClusterClient {
  const resolve = async (ref: ObjectRef): Promise<ResourceInfo | undefined> => {
    const apiVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
    try {
      return await discovery.resolve(apiVersion, ref.kind);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toClusterError(error, ref, 'discovery');
    }
  };

  const pathOf = (info: ResourceInfo, ref: ObjectRef): string => {
    if (info.namespaced && !ref.namespace) {
      throw new ClusterError('Invalid', `${formatRef(ref)}: ${ref.kind} is namespaced but the object has no namespace`);
    }
    return objectPath(info, ref.namespace, ref.name);
  };

  return {
    async apply(object, options) {
      const ref = refOf(object);
      const info = await resolve(ref);
      if (!info) throw new ClusterError('NotFound', `${formatRef(ref)}: the server does not serve ${object.kind} in ${object.apiVersion}`);
      const body = info.namespaced ? object : { ...object, metadata: { ...object.metadata, namespace: undefined } };
      try {
        const { body: stored } = await rest.request('PATCH', pathOf(info, ref), {
          query: { fieldManager, force: String(options.forceConflicts), dryRun: options.dryRun ? 'All' : undefined },
          body,
          // JSON is YAML: the apply patch type takes either.
          contentType: 'application/apply-patch+yaml',
        });
        return stored as KubeObject;
      } catch (error) {
        throw toClusterError(error, ref, options.dryRun ? 'apply (dry run)' : 'apply');
      }
    },

    async get(ref) {
      const info = await resolve(ref);
      if (!info) return undefined;
      try {
        return (await rest.request('GET', pathOf(info, ref))).body as KubeObject;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw toClusterError(error, ref, 'get');
      }
    },

    async delete(ref, options) {
      const info = await resolve(ref);
      if (!info) return;
      try {
        await rest.request('DELETE', pathOf(info, ref), {
          body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: options.propagation },
        });
      } catch (error) {
        if (isNotFound(error)) return;
        throw toClusterError(error, ref, 'delete');
      }
    },

    async resourceScope(group, version, kind): Promise<ResourceScope | undefined> {
      const info = await resolve({ group, version, kind, namespace: '', name: '' });
      if (!info) return undefined;
      return info.namespaced ? 'Namespaced' : 'Cluster';
    },

    async list(apiVersion, kind, options = {}) {
      const ref = { kind, namespace: options.namespace ?? '', name: '' };
      let info: ResourceInfo;
      try {
        info = await discovery.resolve(apiVersion, kind);
      } catch (error) {
        if (isNotFound(error)) return [];
        throw toClusterError(error, ref, 'list');
      }
      const path = objectPath(info, info.namespaced ? options.namespace ?? '' : '', '').replace('/namespaces//', '/');
      try {
        const { body } = await rest.request('GET', path, { query: { labelSelector: options.labelSelector } });
        const list = body as { items?: KubeObject[] };
        // List items carry no apiVersion/kind of their own.
        return (list.items ?? []).map((item) => ({ ...item, apiVersion, kind }));
      } catch (error) {
        throw toClusterError(error, ref, 'list');
      }
    },

    // core/v1 Events: the job controller's recorder writes them there (events.k8s.io/v1 serves the same objects).
    async listEvents(ref) {
      const path = ref.namespace ? `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/events` : '/api/v1/events';
      try {
        const { body } = await rest.request('GET', path, { query: { fieldSelector: `involvedObject.kind=${ref.kind},involvedObject.name=${ref.name}` } });
        return ((body as { items?: CoreEvent[] }).items ?? []).map((event) => ({
          uid: event.involvedObject?.uid,
          reason: event.reason ?? '',
          message: event.message ?? '',
          time: event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp,
        }));
      } catch (error) {
        throw toClusterError(error, ref, 'list events');
      }
    },
  };
}
