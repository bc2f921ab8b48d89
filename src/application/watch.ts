/**
 * Lists and watches Applications in the configured namespaces (or in all),
 * delivering each add, update and delete with the object as the API server
 * sent it (raw JSON through Berth's REST client, so no typed model mangles it).
 *
 * One list/watch per namespace (or one cluster-wide), on the engine shared with
 * the managed-object watch (src/kube/list-watch.ts): it resumes, backs off,
 * relists on 410 Gone and delivers what a relist found changed. On top, every
 * `resyncIntervalMs` this re-delivers every known Application as `resync`, so
 * a missed event costs at most one interval.
 */
import type { KubeObject } from '../../objects.ts';
import { createListWatchTransport, startListWatch, type ListWatch } from '../kube/list-watch.ts';
import type { RestClient } from '../kube/rest.ts';
import type { RetryPolicy } from '../../sync/retry-policy.ts';
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
  /** How a transient failure of a first list is retried before `start` rejects (list-watch.ts). */
  startRetry?: RetryPolicy;
}

export interface ApplicationWatch {
  /** Lists and starts watching; resolves once every namespace was listed, rejects if a first list fails for good. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The Applications known now. */
  list(): KubeObject[];
  get(namespace: string, name: string): KubeObject | undefined;
}

/** List items may omit apiVersion and kind; watch events carry them. */
function asApplication(object: KubeObject): KubeObject {
  return { ...object, apiVersion: object.apiVersion || apiVersion, kind: object.kind || applicationKind };
}

export function watchApplications(rest: RestClient, options: ApplicationWatchOptions): ApplicationWatch {
  const namespaces = options.namespaces && options.namespaces.length > 0 ? [...new Set(options.namespaces)] : [''];
  const resyncIntervalMs = options.resyncIntervalMs ?? 600_000;
  const transport = createListWatchTransport(rest);
  let resyncTimer: NodeJS.Timeout | undefined;

  const scopes = namespaces.map((namespace): { namespace: string; watch: ListWatch<KubeObject> } => ({
    namespace,
    watch: startListWatch<KubeObject>({
      transport,
      path: applicationsPath(namespace || undefined),
      remember: asApplication,
      onEvent({ type, object, previous }) {
        const application = object ? asApplication(object) : previous;
        if (application) options.onEvent({ type, object: application });
      },
      onError: (error) => options.onError?.(error, namespace),
      ...(options.initialRetryDelayMs === undefined ? {} : { initialRetryDelayMs: options.initialRetryDelayMs }),
      ...(options.maxRetryDelayMs === undefined ? {} : { maxRetryDelayMs: options.maxRetryDelayMs }),
      ...(options.startRetry === undefined ? {} : { startRetry: options.startRetry }),
    }),
  }));
  const list = (): KubeObject[] => scopes.flatMap((scope) => scope.watch.values());

  const stop = (): Promise<void> => {
    clearInterval(resyncTimer);
    resyncTimer = undefined;
    for (const scope of scopes) scope.watch.stop();
    return Promise.resolve();
  };

  return {
    async start() {
      const results = await Promise.allSettled(scopes.map((scope) => scope.watch.start()));
      const failed = results.findIndex((result) => result.status === 'rejected');
      const failure = results[failed];
      if (failure?.status === 'rejected') {
        await stop();
        const namespace = scopes[failed]?.namespace ?? '';
        const cause: unknown = failure.reason;
        const detail = cause instanceof Error ? cause.message : String(cause);
        throw new Error(`Applications ${namespace ? `in namespace ${namespace}` : 'in all namespaces'}: cannot list: ${detail}`, { cause });
      }
      if (resyncIntervalMs > 0) {
        resyncTimer = setInterval(() => {
          for (const object of list()) options.onEvent({ type: watchEventTypes.resync, object });
        }, resyncIntervalMs);
        resyncTimer.unref();
      }
    },
    stop,
    list,
    get(namespace, name) {
      for (const scope of scopes) {
        if (scope.namespace !== '' && scope.namespace !== namespace) continue;
        const object = scope.watch.get(namespace, name);
        if (object) return object;
      }
      return undefined;
    },
  };
}
