/**
 * Where an Application's release record lives between jobs: a ConfigMap
 * `berth-release-<name>` in the Application's namespace. Kubernetes rather than
 * Redis, because the record holds the prune inventory: losing it would leave
 * objects nobody prunes, and a Redis without persistence may lose everything.
 * Written with server-side apply by the controller's own field manager.
 */
import { initialReleaseRecord, type ReleaseRecord } from '../../sync/index.ts';
import type { ApplicationKey } from '../application/index.ts';
import { KubeApiError, type RestClient } from '../kube/rest.ts';

const dataKey = 'release.json';
const fieldManager = 'berth-controller';

export interface ReleaseStore {
  load(app: ApplicationKey): Promise<ReleaseRecord>;
  save(app: ApplicationKey, record: ReleaseRecord): Promise<void>;
}

export function releaseConfigMapName(app: ApplicationKey): string {
  // ConfigMap names are DNS subdomains of at most 253 characters.
  return `berth-release-${app.name}`.slice(0, 253);
}

function path(app: ApplicationKey): string {
  return `/api/v1/namespaces/${encodeURIComponent(app.namespace)}/configmaps/${releaseConfigMapName(app)}`;
}

export function createReleaseStore(rest: RestClient): ReleaseStore {
  // The text last read or written per Application: a record that comes back
  // unchanged from a reconcile (a poll that found nothing new) is not written
  // again, so a steady state costs the API server no writes.
  const known = new Map<string, string>();
  const keyOf = (app: ApplicationKey): string => `${app.namespace}/${app.name}`;
  return {
    async load(app) {
      try {
        const { body } = await rest.request('GET', path(app));
        const text = (body as { data?: Record<string, string> }).data?.[dataKey];
        if (text) known.set(keyOf(app), text);
        return text ? (JSON.parse(text) as ReleaseRecord) : initialReleaseRecord();
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return initialReleaseRecord();
        throw error;
      }
    },
    async save(app, record) {
      const text = JSON.stringify(record);
      if (known.get(keyOf(app)) === text) return;
      await rest.request('PATCH', path(app), {
        query: { fieldManager, force: 'true' },
        contentType: 'application/apply-patch+yaml',
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: releaseConfigMapName(app),
            namespace: app.namespace,
            labels: { 'app.kubernetes.io/managed-by': 'berth', 'berth.dev/release-of': app.name },
          },
          data: { [dataKey]: text },
        },
      });
      known.set(keyOf(app), text);
    },
  };
}
