/**
 * Lists and watches Applications in the configured namespaces (or in all),
 * delivering each add, update and delete with the object as the API server
 * sent it (raw JSON: the list and the watch go through Berth's REST client, so
 * no typed model mangles it).
 *
 * Built on client-node 2.x's `ListWatch` (what `makeInformer` returns), which
 * relists on 410 Gone and reconnects when the server closes a watch. What it
 * does not do, this adds: after any other error (API server down, connection
 * reset) its watch stops for good, so this restarts it with exponential backoff
 * (1 s doubling to 30 s, reset on the next success); and every
 * `resyncIntervalMs` it re-delivers every known Application as `resync`, so a
 * missed event costs at most one interval.
 *
 * client-node is imported when the watch starts, not with this module: loading it
 * costs about 80 MiB of RSS, which a controller that reads Applications from a
 * file (`--watch-cluster false`) should not pay (issue 6).
 */
import type { KubernetesListObject, KubernetesObject, ListWatch, Watch } from '@kubernetes/client-node';
import type { KubeObject } from '../../objects.ts';
import type { RestClient } from '../kube/rest.ts';
import { apiVersion, applicationKind } from './schema.ts';
import { applicationsPath } from './status-writer.ts';

export const watchEventTypes = { added: 'added', updated: 'updated', deleted: 'deleted', resync: 'resync' } as const;
export type WatchEventType = (typeof watchEventTypes)[keyof typeof watchEventTypes];

export interface ApplicationWatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface ApplicationWatchOptions {
  /** Namespaces to watch; empty or absent: all namespaces (one cluster-wide watch). */
  namespaces?: readonly string[];
  onEvent: (event: ApplicationWatchEvent) => void;
  /** A failed list or watch; it is retried by itself. `namespace` is '' for the cluster-wide watch. */
  onError?: (error: unknown, namespace: string) => void;
  /** Re-deliver every known Application this often; 0 turns it off. Default 10 minutes. */
  resyncIntervalMs?: number;
  initialRetryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export interface ApplicationWatch {
  /** Lists and starts watching; resolves once every namespace was listed, rejects if a first list fails. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The Applications known now. */
  list(): KubeObject[];
  get(namespace: string, name: string): KubeObject | undefined;
}

interface Scope {
  namespace: string;
  informer: ListWatch<KubernetesObject> | undefined;
  listed: boolean;
  retryDelayMs: number;
  retryTimer: NodeJS.Timeout | undefined;
  lastError: unknown;
}

function asKubeObject(object: KubernetesObject): KubeObject {
  // List items may omit apiVersion and kind; watch events carry them.
  return { ...(object as unknown as KubeObject), apiVersion: object.apiVersion ?? apiVersion, kind: object.kind ?? applicationKind };
}

/** What ListWatch asks of client-node's `Watch`, over Berth's REST client (see rest.ts `watch`). */
function restWatch(rest: RestClient): Watch {
  const watch = {
    watch(path: string, query: Record<string, string | number | boolean | undefined>, callback: (phase: string, object: unknown, event: unknown) => void, done: (error: unknown) => void) {
      const params = Object.fromEntries(Object.entries(query).map(([key, value]) => [key, value === undefined ? undefined : String(value)]));
      const stop = rest.watch(path, params, (type, object) => { callback(type, object, { type, object }); }, done);
      return Promise.resolve({ abort: stop });
    },
  };
  // ListWatch calls only `watch(path, query, callback, done)` and `abort()` on what it returns.
  return watch as unknown as Watch;
}

export function watchApplications(rest: RestClient, options: ApplicationWatchOptions): ApplicationWatch {
  const namespaces = options.namespaces && options.namespaces.length > 0 ? [...new Set(options.namespaces)] : [''];
  const initialDelay = options.initialRetryDelayMs ?? 1_000;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const resyncIntervalMs = options.resyncIntervalMs ?? 600_000;
  const watch = restWatch(rest);
  let stopped = true;
  let resyncTimer: NodeJS.Timeout | undefined;

  const deliver = (type: WatchEventType, object: KubernetesObject): void => {
    options.onEvent({ type, object: asKubeObject(object) });
  };

  const scopes: Scope[] = namespaces.map((namespace) => ({
    namespace, informer: undefined, listed: false, retryDelayMs: initialDelay, retryTimer: undefined, lastError: undefined,
  }));
  const startInformer = (scope: Scope, ListWatchClass: typeof ListWatch): ListWatch<KubernetesObject> => {
    const { namespace } = scope;
    const path = applicationsPath(namespace || undefined);
    const informer = new ListWatchClass<KubernetesObject>(path, watch, async () => {
      const { body } = await rest.request('GET', path);
      scope.listed = true;
      scope.retryDelayMs = initialDelay;
      return body as KubernetesListObject<KubernetesObject>;
    }, false);
    scope.informer = informer;
    const succeeded = (): void => { scope.retryDelayMs = initialDelay; };
    informer.on('add', (object) => { succeeded(); deliver('added', object); });
    informer.on('update', (object) => { succeeded(); deliver('updated', object); });
    informer.on('delete', (object) => { succeeded(); deliver('deleted', object); });
    informer.on('error', (error: unknown) => {
      scope.lastError = error;
      if (stopped) return;
      options.onError?.(error, namespace);
      if (!scope.listed) return; // a first list that fails: start() reports it
      clearTimeout(scope.retryTimer);
      scope.retryTimer = setTimeout(() => {
        scope.retryTimer = undefined;
        if (stopped) return;
        // start() resumes from the last resourceVersion; an expired one yields 410 and a relist.
        informer.start().catch((restartError: unknown) => options.onError?.(restartError, namespace));
      }, scope.retryDelayMs);
      scope.retryTimer.unref();
      scope.retryDelayMs = Math.min(scope.retryDelayMs * 2, maxDelay);
    });
    return informer;
  };
  const known = (scope: Scope): readonly KubernetesObject[] => scope.informer?.list() ?? [];

  const resync = (): void => {
    for (const scope of scopes) for (const object of known(scope)) deliver('resync', object);
  };

  const stop = async (): Promise<void> => {
    stopped = true;
    clearInterval(resyncTimer);
    resyncTimer = undefined;
    for (const scope of scopes) {
      clearTimeout(scope.retryTimer);
      scope.retryTimer = undefined;
    }
    await Promise.all(scopes.map((scope) => scope.informer?.stop() ?? Promise.resolve()));
  };

  return {
    async start() {
      stopped = false;
      const { ListWatch: ListWatchClass } = await import('@kubernetes/client-node');
      await Promise.all(scopes.map((scope) => (scope.informer ?? startInformer(scope, ListWatchClass)).start()));
      const failed = scopes.find((scope) => !scope.listed);
      if (failed) {
        await stop();
        const detail = failed.lastError instanceof Error ? failed.lastError.message : String(failed.lastError);
        throw new Error(`Applications ${failed.namespace ? `in namespace ${failed.namespace}` : 'in all namespaces'}: cannot list: ${detail}`,
          { cause: failed.lastError });
      }
      if (resyncIntervalMs > 0) {
        resyncTimer = setInterval(resync, resyncIntervalMs);
        resyncTimer.unref();
      }
    },
    stop,
    list: () => scopes.flatMap((scope) => known(scope).map(asKubeObject)),
    get(namespace, name) {
      for (const scope of scopes) {
        if (scope.namespace !== '' && scope.namespace !== namespace) continue;
        const object = scope.informer?.get(name, namespace);
        if (object) return asKubeObject(object);
      }
      return undefined;
    },
  };
}
