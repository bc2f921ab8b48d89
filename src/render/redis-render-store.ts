/**
 * The RenderStore of a controller: renders kept in the controller's Redis,
 * where every replica reads them and a restart finds them, as gzipped JSON
 * under `<prefix><digest of the inputs>` (no URL, path or value in the key).
 *
 * Bounded two ways: an entry larger than `maxStoredBytes` compressed is not
 * kept (a warning says so; that Application's render is then only as stable as
 * its chart), and every entry expires `ttlSeconds` after it was last used (read,
 * written or touched), so renders of commits nobody runs any more go by
 * themselves. Durability is the Redis's: a Redis that loses its data loses the
 * renders, and charts with random values render once more.
 */
import type { Redis } from 'ioredis';
import { decodeStoredRender, encodeStoredRender, type RenderStore, type StoredRender } from './render-store.ts';

export interface RedisRenderStoreOptions {
  /** Separates installations (and tests) sharing one Redis; the controller's is `<queuePrefix>:render:`. */
  prefix: string;
  /** How long an entry lives after its last use; default 14 days (a render in use is touched far more often). */
  ttlSeconds?: number;
  /** Compressed bytes above which a render is not stored; default 16 MiB. */
  maxStoredBytes?: number;
  /** Bytes an entry may unzip to; default 256 MiB (four times the default render cap, for JSON's overhead). */
  maxDecodedBytes?: number;
  /** Where an entry that was skipped or ignored is told; must not throw. */
  warn: (fields: Record<string, unknown>, message: string) => void;
}

export class RedisRenderStore implements RenderStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlSeconds: number;
  readonly #maxStoredBytes: number;
  readonly #maxDecodedBytes: number;
  readonly #warn: RedisRenderStoreOptions['warn'];

  constructor(redis: Redis, options: RedisRenderStoreOptions) {
    this.#redis = redis;
    this.#prefix = options.prefix;
    this.#ttlSeconds = options.ttlSeconds ?? 14 * 24 * 3600;
    this.#maxStoredBytes = options.maxStoredBytes ?? 16 * 1024 * 1024;
    this.#maxDecodedBytes = options.maxDecodedBytes ?? 256 * 1024 * 1024;
    this.#warn = options.warn;
  }

  async get(key: string): Promise<StoredRender | undefined> {
    return this.#read(key, true);
  }

  /** The valid render under `key`; `warn` tells of an invalid one (once per render: not again when put replaces it). */
  async #read(key: string, warn: boolean): Promise<StoredRender | undefined> {
    const stored = await this.#redis.getexBuffer(this.#prefix + key, 'EX', this.#ttlSeconds);
    if (stored === null) return undefined;
    const decoded = decodeStoredRender(key, stored, this.#maxDecodedBytes);
    if (decoded.ok) return decoded.render;
    if (warn) this.#warn({ renderKey: key, problem: decoded.problem }, 'stored render ignored; rendering again');
    return undefined;
  }

  async put(key: string, render: StoredRender): Promise<StoredRender> {
    const encoded = encodeStoredRender(key, render);
    if (encoded.length > this.#maxStoredBytes) {
      this.#warn({ renderKey: key, bytes: encoded.length, maxBytes: this.#maxStoredBytes },
        'render too large to store: it is rendered again after a restart and on other replicas, so random values in it change');
      return render;
    }
    const name = this.#prefix + key;
    if (await this.#redis.set(name, encoded, 'EX', this.#ttlSeconds, 'NX') === 'OK') return render;
    // Another replica stored this render first: use theirs, so both apply the same objects.
    const kept = await this.#read(key, false);
    if (kept) return kept;
    await this.#redis.set(name, encoded, 'EX', this.#ttlSeconds);
    return render;
  }

  async touch(key: string): Promise<void> {
    await this.#redis.expire(this.#prefix + key, this.#ttlSeconds);
  }
}
