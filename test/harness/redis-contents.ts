/**
 * Everything Berth keeps in Redis under a prefix, read back as text, so a test
 * can search it for what must never be there (a secret, a token).
 */
import { Redis } from 'ioredis';
import { redisUrl } from './env.ts';

/** Every key under `prefix`, with what it holds, as text: what leak tests search. */
export async function redisContents(prefix: string): Promise<string[]> {
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  const found: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'string') found.push(`${key} ${await redis.get(key) ?? ''}`);
        else if (type === 'hash') found.push(`${key} ${JSON.stringify(await redis.hgetall(key))}`);
        else if (type === 'list') found.push(`${key} ${(await redis.lrange(key, 0, -1)).join('\n')}`);
        else if (type === 'zset') found.push(`${key} ${(await redis.zrange(key, '0', '-1')).join('\n')}`);
        else if (type === 'set') found.push(`${key} ${(await redis.smembers(key)).join('\n')}`);
        else if (type === 'stream') found.push(`${key} ${JSON.stringify(await redis.xrange(key, '-', '+'))}`);
        else found.push(key);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return found;
}
