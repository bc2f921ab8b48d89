/**
 * One list+watch of one collection, kept running: the engine under both of
 * Berth's watchers (Applications, src/application/watch.ts; managed objects,
 * src/controller/managed-watch.ts), so their backoff and relist rules are one.
 *
 * It lists (paged), then watches from the list's resourceVersion, and
 * remembers for each object what the caller's `remember` keeps of it (nothing
 * for an object it returns undefined for), with its resourceVersion. What it
 * promises:
 * - a watch that ends by itself (the client's inactivity timeout, the server
 *   closing it) resumes from the last resourceVersion at once, unless it keeps
 *   ending at once, which backs off;
 * - any other error retries with backoff (1 s doubling to 30 s by default,
 *   reset on the next event or list); before the first list, a transient one
 *   (429, 5xx, a refused connection) is retried by `startRetry` without
 *   failing `start` (issue 21: `429 storage is (re)initializing` right after
 *   the CRD is Established killed the controller);
 * - 410 Gone (an expired resourceVersion) or an ERROR event relists, and a
 *   relist is compared with what was remembered: an object whose
 *   resourceVersion moved is `updated`, a new one `added`, one that is gone
 *   `deleted` (with no `object`: the relist is the only witness), so a change
 *   missed while disconnected is still delivered once.
 */
import type { KubeObject } from '../../objects.ts';
import { isRetryExhausted, retryDelayMs, type RetryPolicy } from '../../sync/retry-policy.ts';
import type { RestClient } from './rest.ts';
import { isTransientApiError } from './transient-errors.ts';

/** How a watch talks to the API server; the real one is `createListWatchTransport`. */
export interface ListWatchTransport {
  list(path: string): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /** Starts a watch from `resourceVersion`; `onDone` is called once when it ends. Resolves to a function that ends it. */
  watch(path: string, resourceVersion: string, onEvent: (type: string, object: unknown) => void, onDone: (error: unknown) => void): Promise<() => void>;
}

export const listWatchEventTypes = { added: 'added', updated: 'updated', deleted: 'deleted' } as const;
export type ListWatchEventType = (typeof listWatchEventTypes)[keyof typeof listWatchEventTypes];

export interface ListWatchEvent<T> {
  type: ListWatchEventType;
  namespace: string;
  name: string;
  /** The object as the server sent it; undefined for a deletion only a relist witnessed. */
  object: KubeObject | undefined;
  /** What was remembered of the object before this event. */
  previous: T | undefined;
  /** Delivered by the first list: the state at start, not a change. */
  initial: boolean;
}

export interface ListWatchOptions<T> {
  transport: ListWatchTransport;
  /** The collection's path, or how to find it (discovery) on the first attempt. */
  path: string | (() => Promise<string>);
  /** What to keep of an object between events; undefined keeps nothing of it. */
  remember(object: KubeObject): T | undefined;
  onEvent(event: ListWatchEvent<T>): void;
  /** A failed list or watch; it is retried by itself. */
  onError?(error: unknown): void;
  /**
   * How a transient failure (429, 5xx, a refused connection) of the first list
   * is retried before `start` gives up; without it, `start` rejects at the
   * first failure. Any other failure rejects at once.
   */
  startRetry?: RetryPolicy;
  initialRetryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export interface ListWatch<T> {
  /**
   * Lists and starts watching. Resolves once the first list was delivered;
   * rejects if the first attempt fails for good, or a transient failure
   * outlasts `startRetry` (retries go on until `stop`).
   */
  start(): Promise<void>;
  stop(): void;
  /** What is remembered now, of every object kept. */
  values(): T[];
  get(namespace: string, name: string): T | undefined;
}

interface Kept<T> { resourceVersion: string; value: T }

const isGone = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && ((error as { status?: unknown }).status === 410 || (error as { code?: unknown }).code === 410);
const isTimeout = (error: unknown): boolean => error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
const idOf = (namespace: string, name: string): string => JSON.stringify([namespace, name]);

export function startListWatch<T>(options: ListWatchOptions<T>): ListWatch<T> {
  const initialDelay = options.initialRetryDelayMs ?? 1_000;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const kept = new Map<string, Kept<T>>();
  let path = typeof options.path === 'string' ? options.path : undefined;
  let stopped = false;
  let begun = false;
  let resourceVersion = '';
  let relist = true;
  let listedOnce = false;
  let delayMs = initialDelay;
  let timer: NodeJS.Timeout | undefined;
  let cancel: (() => void) | undefined;
  // A function, not the flag inline: it changes while a request is awaited.
  const isStopped = (): boolean => stopped;
  let first: { resolve(): void; reject(error: unknown): void } | undefined;
  const started = new Promise<void>((resolve, reject) => { first = { resolve, reject }; });
  // Whoever does not await start() must not see an unhandled rejection; errors also go to onError.
  started.catch(() => undefined);
  const settleFirst = (error?: unknown): void => {
    if (error === undefined) first?.resolve();
    else first?.reject(error);
    first = undefined;
  };

  const observe = (object: KubeObject, deleted: boolean, initial: boolean): void => {
    const namespace = object.metadata.namespace ?? '';
    const name = object.metadata.name ?? '';
    const id = idOf(namespace, name);
    const before = kept.get(id);
    const objectVersion = object.metadata.resourceVersion ?? '';
    if (!deleted && before && before.resourceVersion === objectVersion && objectVersion !== '') return;
    const value = deleted ? undefined : options.remember(object);
    if (value === undefined) kept.delete(id);
    else kept.set(id, { resourceVersion: objectVersion, value });
    const type = deleted ? listWatchEventTypes.deleted : before ? listWatchEventTypes.updated : listWatchEventTypes.added;
    options.onEvent({ type, namespace, name, object, previous: before?.value, initial });
  };

  const applyList = (items: readonly KubeObject[]): void => {
    const initial = !listedOnce;
    const present = new Set<string>();
    for (const item of items) {
      present.add(idOf(item.metadata.namespace ?? '', item.metadata.name ?? ''));
      observe(item, false, initial);
    }
    for (const [id, before] of [...kept]) {
      if (present.has(id)) continue;
      kept.delete(id);
      const [namespace = '', name = ''] = JSON.parse(id) as string[];
      options.onEvent({ type: listWatchEventTypes.deleted, namespace, name, object: undefined, previous: before.value, initial });
    }
  };

  const schedule = (ms: number): void => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => { timer = undefined; void run(); }, ms);
    timer.unref();
  };
  const backOff = (): void => {
    schedule(delayMs);
    delayMs = Math.min(delayMs * 2, maxDelay);
  };
  let startFailures = 0;
  const fail = (error: unknown): void => {
    if (stopped) return;
    options.onError?.(error);
    // Before the first list, a transient failure is asked again by the start-up policy, not rejected.
    if (first && options.startRetry && isTransientApiError(error)) {
      startFailures += 1;
      if (!isRetryExhausted(options.startRetry, startFailures)) {
        schedule(retryDelayMs(options.startRetry, startFailures));
        return;
      }
    }
    settleFirst(error);
    backOff();
  };

  const run = async (): Promise<void> => {
    if (stopped) return;
    try {
      path ??= typeof options.path === 'string' ? options.path : await options.path();
      if (relist) {
        const list = await options.transport.list(path);
        if (isStopped()) return;
        applyList(list.items);
        resourceVersion = list.resourceVersion;
        relist = false;
        listedOnce = true;
        delayMs = initialDelay;
        settleFirst();
      }
      const startedAt = Date.now();
      let events = 0;
      let gone = false;
      const end = await options.transport.watch(path, resourceVersion, (type, raw) => {
        if (type === 'ERROR') {
          // 410 Gone: the resourceVersion expired; anything else, start over too.
          relist = true;
          gone = isGone(raw);
          if (!gone) options.onError?.(new Error(`${path ?? ''}: watch error: ${JSON.stringify(raw)}`));
          return;
        }
        const object = raw as KubeObject | undefined;
        if (!object?.metadata) return;
        events += 1;
        delayMs = initialDelay;
        resourceVersion = object.metadata.resourceVersion ?? resourceVersion;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') observe(object, type === 'DELETED', false);
      }, (error) => {
        cancel = undefined;
        if (stopped) return;
        if (gone || isGone(error)) { relist = true; schedule(0); return; }
        if (error && !isTimeout(error)) { fail(error); return; }
        if (events > 0 || Date.now() - startedAt > 1_000) schedule(0);
        else backOff();
      });
      if (isStopped()) end();
      else cancel = end;
    } catch (error) {
      if (isGone(error)) relist = true;
      fail(error);
    }
  };

  return {
    start() {
      if (!begun) {
        begun = true;
        void run();
      }
      return started;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      cancel?.();
      cancel = undefined;
    },
    values: () => [...kept.values()].map((entry) => entry.value),
    get: (namespace, name) => kept.get(idOf(namespace, name))?.value,
  };
}

/** The transport over the real API server: Berth's REST client lists (raw JSON, paged) and watches. */
/** `query` narrows both the list and the watch (a labelSelector, for example). */
export function createListWatchTransport(rest: RestClient, query: Record<string, string> = {}): ListWatchTransport {
  return {
    async list(path) {
      const items: KubeObject[] = [];
      let resourceVersion = '';
      let next: string | undefined;
      do {
        const { body } = await rest.request('GET', path, { query: { ...query, limit: '500', continue: next } });
        const page = body as { items?: KubeObject[]; metadata?: { resourceVersion?: string; continue?: string } };
        items.push(...(page.items ?? []));
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        next = page.metadata?.continue || undefined;
      } while (next);
      return { items, resourceVersion };
    },
    watch(path, resourceVersion, onEvent, onDone) {
      return Promise.resolve(rest.watch(path, { ...query, resourceVersion, allowWatchBookmarks: 'true' }, onEvent, onDone));
    },
  };
}
