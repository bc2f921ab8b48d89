/**
 * Self-heal's eyes: list+watch on the kinds Berth manages, so that a change or
 * deletion of a managed object triggers a reconcile of its Application within
 * seconds instead of at the next poll.
 *
 * One watch per (group, version, kind), shared by every Application that
 * manages that kind: cluster-wide, or per namespace when the controller is
 * restricted to namespaces (`--namespaces`, where its RBAC may stop at those
 * namespaces). A watch starts when the first Application's inventory holds the
 * kind and stops when none does. Inventories come from `setInventory`, which the
 * composition root calls whenever a release record is loaded or saved.
 *
 * Which events count. Only objects annotated `berth.dev/app` with an
 * Application whose inventory holds that very object are looked at (the mark
 * alone is no proof: anyone who may write an object may write the annotation,
 * and a tenant must not be able to queue another tenant's reconciles), and of those:
 * - a deletion, or a deletionTimestamp newly set, always counts;
 * - an update counts when `metadata.generation` moved, or when a label or
 *   annotation that Berth owns (per its managedFields entry) changed or lost
 *   Berth's ownership; kinds without a generation (ConfigMap, Secret, ...) have
 *   no status to churn, so any update of theirs counts;
 * - and then only when Berth is not the last writer: the newest managedFields
 *   entry of the main resource is not `berth`'s alone. A tie (one-second
 *   resolution) counts, so at worst Berth's own write costs one reconcile whose
 *   drift check finds nothing, and writes nothing.
 * Status writes (Deployment controllers, kwok heartbeats) move neither the
 * generation nor Berth's labels and annotations, and never flood the queue;
 * neither does `deployment.kubernetes.io/revision`, which Berth does not own.
 *
 * Resilience (resume, backoff, relist on 410 Gone, deletions a relist
 * witnessed) is the shared list/watch engine's, src/kube/list-watch.ts; what a
 * relist found changed goes through the same rule as a watch event.
 */
import { annotations, fieldManager, type KubeObject, type ManagedFieldsEntry, type ObjectRef } from '../../objects.ts';
import { startListWatch, type ListWatchTransport } from '../kube/list-watch.ts';

export type ManagedChange = 'changed' | 'deleted';
export type WatchedKind = Pick<ObjectRef, 'group' | 'version' | 'kind'>;

export interface ManagedWatchOptions {
  transport: ListWatchTransport;
  /** The collection path of a kind, cluster-wide when `namespace` is ''. */
  collectionPath(kind: WatchedKind, namespace: string): Promise<string>;
  /** Namespaces the controller is restricted to; empty or absent: cluster-wide watches. */
  namespaces?: readonly string[];
  onChange(app: string, ref: ObjectRef, change: ManagedChange): void;
  onError?(error: unknown, watch: string): void;
  initialRetryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export interface ManagedWatch {
  /** The objects an Application manages now; an empty list keeps the Application known. */
  setInventory(app: string, refs: readonly ObjectRef[]): void;
  /** Whether `setInventory` was called for `app` (since its last `forget`). */
  knows(app: string): boolean;
  forget(app: string): void;
  /** The watches running: `<group>/<version>/<kind>`, plus ` in <namespace>` when per namespace. */
  watches(): string[];
  stop(): Promise<void>;
}

/** What a watch remembers of an annotated object: enough to tell a change that counts. */
interface Seen {
  app: string;
  generation: number | undefined;
  ownedMetadata: string;
  resourceVersion: string;
  deleting: boolean;
}

const isBerth = (entry: ManagedFieldsEntry): boolean => entry.manager === fieldManager;
const onMainResource = (entry: ManagedFieldsEntry): boolean => !entry.subresource;

/** Labels and annotations Berth's managedFields claim, with their values, as one comparable string. */
function ownedMetadata(object: KubeObject): string {
  const owned: [string, string, string | null][] = [];
  for (const entry of object.metadata.managedFields ?? []) {
    if (!isBerth(entry) || !onMainResource(entry)) continue;
    const metadata = entry.fieldsV1?.['f:metadata'] as Record<string, Record<string, unknown> | undefined> | undefined;
    for (const field of ['labels', 'annotations'] as const) {
      const values = object.metadata[field] ?? {};
      for (const key of Object.keys(metadata?.[`f:${field}`] ?? {})) {
        if (key.startsWith('f:')) owned.push([field, key.slice(2), values[key.slice(2)] ?? null]);
      }
    }
  }
  return JSON.stringify(owned.sort((a, b) => (`${a[0]}/${a[1]}` < `${b[0]}/${b[1]}` ? -1 : 1)));
}

/** True when the newest write to the main resource was Berth's alone (managedFields times have one-second resolution). */
export function isLastWrittenByBerth(object: KubeObject): boolean {
  const entries = (object.metadata.managedFields ?? []).filter((entry) => onMainResource(entry) && entry.time !== undefined);
  const newest = entries.reduce((latest, entry) => Math.max(latest, Date.parse(entry.time ?? '')), Number.NEGATIVE_INFINITY);
  const last = entries.filter((entry) => Date.parse(entry.time ?? '') === newest);
  return last.length > 0 && last.every(isBerth);
}

function remember(object: KubeObject): Seen | undefined {
  const app = object.metadata.annotations?.[annotations.app];
  if (!app) return undefined;
  return {
    app, generation: object.metadata.generation, ownedMetadata: ownedMetadata(object),
    resourceVersion: object.metadata.resourceVersion ?? '', deleting: object.metadata.deletionTimestamp !== undefined,
  };
}

/** The rule of the module doc: does this update of an annotated object call for a reconcile? */
export function isDriftSignal(previous: Seen | undefined, next: Seen, object: KubeObject): boolean {
  if (next.deleting && !previous?.deleting) return true;
  if (previous && previous.app === next.app && previous.generation === next.generation && previous.ownedMetadata === next.ownedMetadata &&
    (next.generation !== undefined || previous.resourceVersion === next.resourceVersion)) return false;
  return !isLastWrittenByBerth(object);
}

interface KindWatch { label: string; stop(): void }

/** One object whatever version it is served at: an inventory may name another version than the watch. */
const objectIdentity = (ref: ObjectRef): string => JSON.stringify([ref.group, ref.kind, ref.namespace, ref.name]);

export function createManagedWatch(options: ManagedWatchOptions): ManagedWatch {
  const restricted = (options.namespaces ?? []).length > 0;
  const appsOfWatch = new Map<string, Set<string>>();
  const watchesOfApp = new Map<string, Set<string>>();
  /** Per Application, the objects of its inventory, by `objectIdentity`. */
  const objectsOfApp = new Map<string, Set<string>>();
  const running = new Map<string, KindWatch>();
  let stopped = false;

  const watchKey = (ref: ObjectRef): string => {
    const scope = restricted ? ref.namespace : '';
    return JSON.stringify([ref.group, ref.version, ref.kind, scope]);
  };

  const startKindWatch = (key: string): KindWatch => {
    const [group = '', version = '', kind = '', namespace = ''] = JSON.parse(key) as string[];
    const label = `${group ? `${group}/` : ''}${version}/${kind}${namespace ? ` in ${namespace}` : ''}`;
    const emit = (app: string, objectNamespace: string, name: string, change: ManagedChange): void => {
      const ref = { group, version, kind, namespace: objectNamespace, name };
      if (objectsOfApp.get(app)?.has(objectIdentity(ref))) options.onChange(app, ref, change);
    };
    const watch = startListWatch<Seen>({
      transport: options.transport,
      path: () => options.collectionPath({ group, version, kind }, namespace),
      remember,
      onEvent({ type, namespace: objectNamespace, name, object, previous, initial }) {
        // The first list is where things stand, not a change.
        if (initial) return;
        if (type === 'deleted') {
          if (previous) emit(previous.app, objectNamespace, name, 'deleted');
          const app = object?.metadata.annotations?.[annotations.app];
          if (app && app !== previous?.app) emit(app, objectNamespace, name, 'deleted');
          return;
        }
        if (!object) return;
        const next = remember(object);
        if (previous && previous.app !== next?.app) emit(previous.app, objectNamespace, name, 'changed');
        if (next && isDriftSignal(previous, next, object)) emit(next.app, objectNamespace, name, 'changed');
      },
      onError: (error) => options.onError?.(error, label),
      ...(options.initialRetryDelayMs === undefined ? {} : { initialRetryDelayMs: options.initialRetryDelayMs }),
      ...(options.maxRetryDelayMs === undefined ? {} : { maxRetryDelayMs: options.maxRetryDelayMs }),
    });
    void watch.start();
    return { label, stop: () => { watch.stop(); } };
  };

  const reconcileWatches = (keys: Iterable<string>): void => {
    for (const key of keys) {
      const users = appsOfWatch.get(key);
      if (users && users.size > 0 && !running.has(key) && !stopped) running.set(key, startKindWatch(key));
      if ((!users || users.size === 0) && running.has(key)) {
        running.get(key)?.stop();
        running.delete(key);
        appsOfWatch.delete(key);
      }
    }
  };

  const setWatchesOf = (app: string, keys: Set<string> | undefined): void => {
    const before = watchesOfApp.get(app) ?? new Set<string>();
    if (keys) watchesOfApp.set(app, keys);
    else watchesOfApp.delete(app);
    const after = keys ?? new Set<string>();
    for (const key of before) if (!after.has(key)) appsOfWatch.get(key)?.delete(app);
    for (const key of after) {
      let users = appsOfWatch.get(key);
      if (!users) appsOfWatch.set(key, users = new Set());
      users.add(app);
    }
    reconcileWatches(new Set([...before, ...after]));
  };

  return {
    setInventory(app, refs) {
      objectsOfApp.set(app, new Set(refs.map(objectIdentity)));
      setWatchesOf(app, new Set(refs.map(watchKey)));
    },
    knows: (app) => watchesOfApp.has(app),
    forget(app) {
      objectsOfApp.delete(app);
      setWatchesOf(app, undefined);
    },
    watches: () => [...running.values()].map((watch) => watch.label).sort(),
    stop() {
      stopped = true;
      for (const watch of running.values()) watch.stop();
      running.clear();
      return Promise.resolve();
    },
  };
}
