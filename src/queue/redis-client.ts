/**
 * One way to open an ioredis client from a RedisTarget (a server URL or a
 * Sentinel primary), so every client of Berth reaches the same Redis the same way.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './options.ts';

export function openRedis(target: RedisTarget, options: RedisOptions = {}): Redis {
  if ('url' in target) {
    const { url, ...rest } = target;
    return new Redis(url, { ...rest, ...options });
  }
  return new Redis({ ...target, ...options });
}
