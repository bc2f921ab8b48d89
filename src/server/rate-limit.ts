/**
 * A token bucket per source address, in memory: each address may send `burst`
 * requests at once and `perMinute` a minute after that. Per replica, which is
 * what it is for: shedding a flood before it costs signature checks and Redis
 * round trips. Idle buckets are forgotten, so the map stays small.
 */
export interface RateLimitOptions {
  /** Sustained requests per minute per address; 0 turns the limit off. */
  perMinute: number;
  /** Requests an idle address may send at once. */
  burst: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const maxBuckets = 10_000;

export function createRateLimiter(options: RateLimitOptions, now: () => number = Date.now): (address: string) => RateDecision {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = options.perMinute / 60_000;
  const capacity = Math.max(1, options.burst);
  return (address) => {
    if (options.perMinute <= 0) return { allowed: true };
    const time = now();
    const previous = buckets.get(address);
    const tokens = previous ? Math.min(capacity, previous.tokens + (time - previous.at) * perMs) : capacity;
    // Re-inserted on every use: Map order is then least recently used first.
    buckets.delete(address);
    if (tokens >= 1) {
      buckets.set(address, { tokens: tokens - 1, at: time });
      if (buckets.size > maxBuckets) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      return { allowed: true };
    }
    buckets.set(address, { tokens, at: time });
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
  };
}
