/**
 * Which webhook deliveries were already taken, across replicas: a Redis key
 * per (provider, delivery id) set with NX and a TTL, so a provider's redelivery
 * of the same delivery queues nothing twice. Providers retry within hours; a
 * day covers every documented redelivery window.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface DeliveryLog {
  /** True the first time (provider, id) is seen within the TTL. */
  claim(provider: string, id: string): Promise<boolean>;
  /** Forgets a claim whose work could not be queued, so a redelivery can try again. */
  release(provider: string, id: string): Promise<void>;
}

export const defaultDeliveryTtlMs = 24 * 3_600_000;

export class RedisDeliveryLog implements DeliveryLog {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(redis: Redis, prefix: string, ttlMs = defaultDeliveryTtlMs) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#ttlMs = ttlMs;
  }

  key(provider: string, id: string): string {
    // Hashed: the id comes from the request, and a key should not carry arbitrary bytes.
    return `${this.#prefix}:webhook-delivery:${provider}:${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
  }

  async claim(provider: string, id: string): Promise<boolean> {
    return (await this.#redis.set(this.key(provider, id), '1', 'PX', this.#ttlMs, 'NX')) === 'OK';
  }

  async release(provider: string, id: string): Promise<void> {
    await this.#redis.del(this.key(provider, id));
  }
}
