/**
 * The FetchCoordinator of a controller with several replicas: advertised refs
 * recorded in Redis with an expiry, and locks taken with `SET NX PX` and
 * released only by their holder (compare-and-delete in one Lua call). Keys hold
 * a hash of the repository and credentials, never a URL or a secret.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { FetchCoordinator, RefsRecord, ReleaseLock } from './fetch-coordinator.ts';

const releaseScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export class RedisFetchCoordinator implements FetchCoordinator {
  readonly #redis: Redis;
  readonly #prefix: string;

  /** `prefix` separates installations (and tests) sharing one Redis. */
  constructor(redis: Redis, prefix = 'berth:source:') {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async readRefs(key: string): Promise<RefsRecord | undefined> {
    const raw = await this.#redis.get(`${this.#prefix}refs:${key}`);
    return raw ? (JSON.parse(raw) as RefsRecord) : undefined;
  }

  async writeRefs(key: string, record: RefsRecord, ttlMs: number): Promise<void> {
    await this.#redis.set(`${this.#prefix}refs:${key}`, JSON.stringify(record), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async tryLock(key: string, ttlMs: number): Promise<ReleaseLock | undefined> {
    const name = `${this.#prefix}lock:${key}`;
    const token = randomBytes(12).toString('hex');
    const taken = await this.#redis.set(name, token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
    if (taken !== 'OK') return undefined;
    return async () => {
      await this.#redis.eval(releaseScript, 1, name, token);
    };
  }
}
