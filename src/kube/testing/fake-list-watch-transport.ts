/**
 * A list/watch transport for unit tests: lists return `items[path]`, watches
 * are held open for the test to drive (`send`, `end`), and `opened(n)` resolves
 * once `n` watches were opened, so a test waits for the event, not a sleep.
 * It makes no decision of its own: what counts as a change is the code's.
 */
import type { KubeObject } from '../../../objects.ts';
import type { ListWatchTransport } from '../list-watch.ts';

export interface OpenWatch {
  path: string;
  resourceVersion: string;
  send(type: string, object: unknown): void;
  end(error: unknown): void;
  cancelled: boolean;
}

export interface FakeListWatchTransport extends ListWatchTransport {
  items: Map<string, KubeObject[]>;
  /** Paths listed, in order. */
  lists: string[];
  open: OpenWatch[];
  /** A list of `path` fails with this error once, when set. */
  failNextList: Map<string, Error>;
  /** Resolves once at least `count` watches have been opened. */
  opened(count: number): Promise<void>;
}

export function fakeListWatchTransport(): FakeListWatchTransport {
  const items = new Map<string, KubeObject[]>();
  const lists: string[] = [];
  const open: OpenWatch[] = [];
  const failNextList = new Map<string, Error>();
  const waiters: { count: number; resolve(): void }[] = [];
  const wake = (): void => {
    for (const waiter of [...waiters]) {
      if (open.length < waiter.count) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  return {
    items, lists, open, failNextList,
    list(path) {
      lists.push(path);
      const failure = failNextList.get(path);
      if (failure) {
        failNextList.delete(path);
        return Promise.reject(failure);
      }
      return Promise.resolve({ items: items.get(path) ?? [], resourceVersion: String(lists.length * 100) });
    },
    watch(path, resourceVersion, onEvent, onDone) {
      const entry: OpenWatch = { path, resourceVersion, send: onEvent, end: onDone, cancelled: false };
      open.push(entry);
      // After the caller has taken the stop function (its await), not before.
      setImmediate(wake);
      return Promise.resolve(() => { entry.cancelled = true; });
    },
    opened(count) {
      return new Promise((resolve) => { waiters.push({ count, resolve }); wake(); });
    },
  };
}
