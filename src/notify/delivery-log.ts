/**
 * The last deliveries of each Application's notifications, kept in Redis so
 * every replica's API answers the same: one capped list per Application
 * (newest first, `maxEntries`), with a TTL refreshed on each write. Entries say
 * what was sent where and what came of it; never a token, a secret or an
 * address (the outcome reasons are redacted by the providers, and the
 * provider is named by its object, not its URL). Parsed with a schema on read.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';

export const deliveryResults = ['delivered', 'retry', 'dropped', 'skipped', 'rateLimited'] as const;

const entrySchema = z.object({
  id: z.string(),
  type: z.string(),
  revision: z.string(),
  provider: z.string(),
  providerType: z.string(),
  result: z.enum(deliveryResults),
  attempt: z.number().int(),
  status: z.number().int().optional(),
  reason: z.string().optional(),
  retryInMs: z.number().optional(),
  at: z.string(),
  /** Milliseconds from the transition to this outcome. */
  latencyMs: z.number().optional(),
});
export type DeliveryEntry = z.infer<typeof entrySchema>;

export interface DeliveryLog {
  record(app: string, entry: DeliveryEntry): Promise<void>;
  list(app: string): Promise<DeliveryEntry[]>;
}

export function createDeliveryLog(redis: Redis, prefix: string, maxEntries = 50, ttlSeconds = 14 * 24 * 3_600): DeliveryLog {
  const keyOf = (app: string): string => `${prefix}:notify:deliveries:${app}`;
  return {
    async record(app, entry) {
      await redis.multi().lpush(keyOf(app), JSON.stringify(entry)).ltrim(keyOf(app), 0, maxEntries - 1).expire(keyOf(app), ttlSeconds).exec();
    },
    async list(app) {
      const raw = await redis.lrange(keyOf(app), 0, maxEntries - 1);
      return raw.flatMap((text) => {
        try {
          const parsed = entrySchema.safeParse(JSON.parse(text));
          return parsed.success ? [parsed.data] : [];
        } catch {
          return [];
        }
      });
    },
  };
}
