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
 * Application whose inventory is known are looked at, and of those:
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
 * Resilience: a watch that ends by itself (the client's inactivity timeout, the
 * server closing it) resumes from the last resourceVersion at once; an error
 * retries with backoff (1 s doubling to 30 s, reset on success); 410 Gone (an
 * expired resourceVersion) relists, and a relist compares with what was seen, so
 * a change or deletion missed while disconnected still counts.
 */
import { annotations, fieldManager, type KubeObject, type ManagedFieldsEntry, type ObjectRef } from '../../objects.ts';
import type { RestClient } from '../kube/rest.ts';

export type ManagedChange = 'changed' | 'deleted';
export type WatchedKind = Pick<ObjectRef, 'group' | 'version' | 'kind'>;

/** How a watch talks to the API server; the real one is `createListWatchTransport`. */
export interface ListWatchTransport {
  list(path: string): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /** Starts a watch from `resourceVersion`; `onDone` is called once when it ends. Resolves to a function that ends it. */
  watch(path: string, resourceVersion: string, onEvent: (type: string, object: unknown) => void, onDone: (error: unknown) => void): Promise<() => void>;
}

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

interface KindWatch { label: string; stop(): Promise<void> }

const isGone = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && ((error as { status?: unknown }).status === 410 || (error as { code?: unknown }).code === 410);
const isTimeout = (error: unknown): boolean => error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');

export function createManagedWatch(options: ManagedWatchOptions): ManagedWatch {
  const restricted = (options.namespaces ?? []).length > 0;
  const initialDelay = options.initialRetryDelayMs ?? 1_000;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const appsOfWatch = new Map<string, Set<string>>();
  const watchesOfApp = new Map<string, Set<string>>();
  const running = new Map<string, KindWatch>();
  let stopped = false;

  const watchKey = (ref: ObjectRef): string => {
    const scope = restricted ? ref.namespace : '';
    return JSON.stringify([ref.group, ref.version, ref.kind, scope]);
  };

  const startKindWatch = (key: string): KindWatch => {
    const [group = '', version = '', kind = '', namespace = ''] = JSON.parse(key) as string[];
    const label = `${group ? `${group}/` : ''}${version}/${kind}${namespace ? ` in ${namespace}` : ''}`;
    const seen = new Map<string, Seen>();
    let ended = false;
    let path: string | undefined;
    let resourceVersion = '';
    let relist = true;
    let listedOnce = false;
    let delayMs = initialDelay;
    let timer: NodeJS.Timeout | undefined;
    let cancel: (() => void) | undefined;
    // A function, not the flags inline: they change while a request is awaited.
    const isOver = (): boolean => ended || stopped;

    const emit = (app: string, object: KubeObject, change: ManagedChange): void => {
      if (!watchesOfApp.has(app)) return;
      const ref = { group, version, kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name ?? '' };
      options.onChange(app, ref, change);
    };
    const observe = (object: KubeObject, deleted: boolean): void => {
      const id = `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
      const previous = seen.get(id);
      const next = deleted ? undefined : remember(object);
      if (next) seen.set(id, next);
      else seen.delete(id);
      if (previous && previous.app !== next?.app) emit(previous.app, object, deleted ? 'deleted' : 'changed');
      if (deleted) {
        const app = object.metadata.annotations?.[annotations.app];
        if (app && app !== previous?.app) emit(app, object, 'deleted');
      } else if (next && isDriftSignal(previous, next, object)) {
        emit(next.app, object, 'changed');
      }
    };
    const applyList = (items: KubeObject[]): void => {
      const present = new Set<string>();
      for (const item of items) {
        const id = `${item.metadata.namespace ?? ''}/${item.metadata.name ?? ''}`;
        present.add(id);
        if (listedOnce) observe(item, false);
        else { const next = remember(item); if (next) seen.set(id, next); }
      }
      // Deleted while the watch was down: the relist is the only witness.
      for (const [id, previous] of [...seen]) {
        if (present.has(id)) continue;
        seen.delete(id);
        const [objectNamespace = '', name = ''] = id.split('/');
        emit(previous.app, { apiVersion: group ? `${group}/${version}` : version, kind, metadata: { namespace: objectNamespace, name } }, 'deleted');
      }
    };

    const schedule = (ms: number): void => {
      if (isOver()) return;
      clearTimeout(timer);
      timer = setTimeout(() => { timer = undefined; void run(); }, ms);
      timer.unref();
    };
    const fail = (error: unknown): void => {
      options.onError?.(error, label);
      schedule(delayMs);
      delayMs = Math.min(delayMs * 2, maxDelay);
    };
    const run = async (): Promise<void> => {
      if (isOver()) return;
      try {
        path ??= await options.collectionPath({ group, version, kind }, namespace);
        if (relist) {
          const list = await options.transport.list(path);
          applyList(list.items);
          resourceVersion = list.resourceVersion;
          relist = false;
          listedOnce = true;
          delayMs = initialDelay;
        }
        const startedAt = Date.now();
        let events = 0;
        let gone = false;
        const stop = await options.transport.watch(path, resourceVersion, (type, raw) => {
          const object = raw as KubeObject | undefined;
          if (type === 'ERROR') {
            // 410 Gone: the resourceVersion expired; anything else, start over too.
            relist = true;
            gone = isGone(raw);
            if (!gone) options.onError?.(new Error(`watch error: ${JSON.stringify(raw)}`), label);
            return;
          }
          if (!object?.metadata) return;
          events += 1;
          delayMs = initialDelay;
          resourceVersion = object.metadata.resourceVersion ?? resourceVersion;
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') observe(object, type === 'DELETED');
        }, (error) => {
          cancel = undefined;
          if (isOver()) return;
          if (gone || isGone(error)) { relist = true; schedule(0); return; }
          if (error && !isTimeout(error)) { fail(error); return; }
          // A watch that ends by itself resumes at once, unless it keeps ending at once.
          if (events > 0 || Date.now() - startedAt > 1_000) schedule(0);
          else { schedule(delayMs); delayMs = Math.min(delayMs * 2, maxDelay); }
        });
        if (isOver()) stop();
        else cancel = stop;
      } catch (error) {
        if (isGone(error)) relist = true;
        fail(error);
      }
    };

    void run();
    return {
      label,
      stop() {
        ended = true;
        clearTimeout(timer);
        cancel?.();
        cancel = undefined;
        return Promise.resolve();
      },
    };
  };

  const reconcileWatches = (keys: Iterable<string>): void => {
    for (const key of keys) {
      const users = appsOfWatch.get(key);
      if (users && users.size > 0 && !running.has(key) && !stopped) running.set(key, startKindWatch(key));
      if ((!users || users.size === 0) && running.has(key)) {
        void running.get(key)?.stop();
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
    setInventory(app, refs) { setWatchesOf(app, new Set(refs.map(watchKey))); },
    knows: (app) => watchesOfApp.has(app),
    forget(app) { setWatchesOf(app, undefined); },
    watches: () => [...running.values()].map((watch) => watch.label).sort(),
    async stop() {
      stopped = true;
      await Promise.all([...running.values()].map((watch) => watch.stop()));
      running.clear();
    },
  };
}

/** The transport over the real API server: Berth's REST client lists (raw JSON, paged) and watches. */
export function createListWatchTransport(rest: RestClient): ListWatchTransport {
  return {
    async list(path) {
      const items: KubeObject[] = [];
      let resourceVersion = '';
      let next: string | undefined;
      do {
        const { body } = await rest.request('GET', path, { query: { limit: '500', continue: next } });
        const page = body as { items?: KubeObject[]; metadata?: { resourceVersion?: string; continue?: string } };
        items.push(...(page.items ?? []));
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        next = page.metadata?.continue || undefined;
      } while (next);
      return { items, resourceVersion };
    },
    watch(path, resourceVersion, onEvent, onDone) {
      return Promise.resolve(rest.watch(path, { resourceVersion, allowWatchBookmarks: 'true' }, onEvent, onDone));
    },
  };
}
