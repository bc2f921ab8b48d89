/**
 * What the sync integration tests share: a ClusterClient on the harness control
 * plane that records every call it makes (so tests can see the order Berth wrote
 * things in), revisions as in-memory object lists, and a driver that calls
 * `advanceRelease` the way the controller does: once per trigger, then once per
 * `recheckAt`, sleeping in between, until the release is settled.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { refKey, refOf, type KubeObject, type ObjectRef } from '../../objects.ts';
import { createClusterClient, type KubeClusterClient } from '../../src/kube/cluster-client.ts';
import { createDiscovery } from '../../src/kube/discovery.ts';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { renderedRevision } from '../../sync/desired.ts';
import {
  advanceRelease, initialReleaseRecord,
  type ReleaseDeps, type ReleaseOptions, type ReleaseRecord, type ReleaseStep, type ReleaseTrigger,
} from '../../sync/release.ts';
import { testKubeConfig } from '../harness/env.ts';

export interface RecordedCall {
  method: 'apply' | 'get' | 'delete';
  key: string;
  dryRun?: boolean;
  /** The object a get returned or an apply stored. */
  result?: KubeObject;
  at: number;
}

export interface Connection {
  rest: RestClient;
  client: KubeClusterClient;
  calls: RecordedCall[];
}

export async function connect(): Promise<Connection> {
  const rest = await createRestClient(testKubeConfig());
  const inner = createClusterClient(rest, createDiscovery(rest));
  const calls: RecordedCall[] = [];
  const client: KubeClusterClient = {
    ...inner,
    async apply(object, options) {
      const result = await inner.apply(object, options);
      calls.push({ method: 'apply', key: refKey(refOf(object)), dryRun: options.dryRun, result, at: Date.now() });
      return result;
    },
    async get(ref) {
      const result = await inner.get(ref);
      calls.push({ method: 'get', key: refKey(ref), ...(result ? { result } : {}), at: Date.now() });
      return result;
    },
    async delete(ref, options) {
      await inner.delete(ref, options);
      calls.push({ method: 'delete', key: refKey(ref), at: Date.now() });
    },
  };
  return { rest, client, calls };
}

export interface App {
  record: ReleaseRecord;
  /** Revision -> objects; a revision mapped to an Error fails to render with it. */
  revisions: Map<string, KubeObject[] | Error>;
  deps: ReleaseDeps;
}

export function application(connection: Connection, namespace: string, options: Partial<ReleaseOptions> = {}): App {
  const revisions = new Map<string, KubeObject[] | Error>();
  return {
    record: initialReleaseRecord(),
    revisions,
    deps: {
      client: connection.client,
      render(revision) {
        const objects = revisions.get(revision);
        if (objects === undefined) return Promise.reject(new Error(`revision ${revision} does not exist`));
        if (objects instanceof Error) return Promise.reject(objects);
        return Promise.resolve(renderedRevision(revision, objects));
      },
      options: {
        healthTimeoutMs: 60_000,
        recheckIntervalMs: 500,
        ...options,
        sync: { prune: true, destinationNamespace: namespace, appName: `${namespace}/app`, pollIntervalMs: 250, ...options.sync },
      },
    },
  };
}

/** Call advanceRelease with `trigger`, then with recheck at each recheckAt, until settled; the steps in order. */
export async function drive(app: App, trigger: ReleaseTrigger, limit = 240): Promise<ReleaseStep[]> {
  const steps: ReleaseStep[] = [];
  for (let next = trigger; ; next = { type: 'recheck' }) {
    // The controller persists the record as JSON between jobs.
    const persisted = JSON.parse(JSON.stringify(app.record)) as ReleaseRecord;
    const step = await advanceRelease(persisted, next, app.deps, new Date());
    app.record = step.record;
    steps.push(step);
    if (step.recheckAt === undefined) break;
    if (steps.length >= limit) throw new Error(`release still not settled after ${limit} steps: ${step.record.state.message}`);
    await sleep(Math.max(0, step.recheckAt.getTime() - Date.now()));
  }
  return steps;
}

export const auto = (revision: string): ReleaseTrigger => ({ type: 'revision', revision, initiator: 'auto' });

export function ref(apiVersion: string, kind: string, namespace: string, name: string): ObjectRef {
  return refOf({ apiVersion, kind, metadata: { namespace, name } });
}

export function deployment(namespace: string, name: string, image: string, options: { neverReady?: boolean; annotations?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, ...(options.annotations ? { annotations: options.annotations } : {}) },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 5,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...(options.neverReady ? { annotations: { 'berth.dev/test-never-ready': 'true' } } : {}) },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  };
}

export function configMap(namespace: string, name: string, data: Record<string, string>, annotations?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...(annotations ? { annotations } : {}) }, data };
}

export function service(namespace: string, name: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

export function imageOf(object: KubeObject | undefined): string | undefined {
  return (object?.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined)?.template?.spec?.containers?.[0]?.image;
}
