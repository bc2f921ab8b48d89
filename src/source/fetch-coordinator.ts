/**
 * How Berth avoids asking a Git server the same question many times. Within a
 * process, concurrent callers of one key share one promise (`SingleFlight`).
 * Across controller replicas, a FetchCoordinator records the refs a server
 * advertised (so a second replica polling within the freshness window asks
 * Redis, not the server) and hands out short locks (so replicas that miss the
 * record at the same moment do not all go to the server). The coordinator is a
 * narrow interface: Redis in production (redis-fetch-coordinator.ts), memory in
 * unit tests and in `berth render`.
 */
import type { AdvertisedRef } from './revision.ts';

export interface RefsRecord {
  refs: AdvertisedRef[];
  /** Epoch milliseconds when the server was asked. */
  checkedAt: number;
}

/** Releases a lock; a no-op when it already expired and someone else holds it. */
export type ReleaseLock = () => Promise<void>;

export interface FetchCoordinator {
  readRefs(key: string): Promise<RefsRecord | undefined>;
  writeRefs(key: string, record: RefsRecord, ttlMs: number): Promise<void>;
  /** Takes the lock named `key` for at most `ttlMs`, or returns undefined when another holder has it. */
  tryLock(key: string, ttlMs: number): Promise<ReleaseLock | undefined>;
}

/** A coordinator for one process: what `berth render` and unit tests use. */
export class MemoryFetchCoordinator implements FetchCoordinator {
  readonly #records = new Map<string, { record: RefsRecord; expiresAt: number }>();
  readonly #locks = new Map<string, { token: symbol; expiresAt: number }>();
  readonly #now: () => number;

  /** `now` is injectable so expiry can be tested without racing a real clock. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  readRefs(key: string): Promise<RefsRecord | undefined> {
    const entry = this.#records.get(key);
    return Promise.resolve(entry && entry.expiresAt > this.#now() ? entry.record : undefined);
  }

  writeRefs(key: string, record: RefsRecord, ttlMs: number): Promise<void> {
    this.#records.set(key, { record, expiresAt: this.#now() + ttlMs });
    return Promise.resolve();
  }

  tryLock(key: string, ttlMs: number): Promise<ReleaseLock | undefined> {
    const held = this.#locks.get(key);
    if (held && held.expiresAt > this.#now()) return Promise.resolve(undefined);
    const token = Symbol(key);
    this.#locks.set(key, { token, expiresAt: this.#now() + ttlMs });
    return Promise.resolve(() => {
      if (this.#locks.get(key)?.token === token) this.#locks.delete(key);
      return Promise.resolve();
    });
  }
}

/** Concurrent calls with the same key share one running promise. */
export class SingleFlight {
  readonly #running = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.#running.get(key);
    if (running) return running as Promise<T>;
    const promise = work().finally(() => this.#running.delete(key));
    this.#running.set(key, promise);
    return promise;
  }
}

/** Runs work for one key at a time, in call order (a per-repository mutex for the on-disk cache). */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const tail = new Promise<void>((resolve) => { release = resolve; });
    const chained = previous.then(() => tail);
    this.#tails.set(key, chained);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.#tails.get(key) === chained) this.#tails.delete(key);
    }
  }
}
