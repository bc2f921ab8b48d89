/**
 * Requests per second to one destination cluster (the Secret's qps and burst,
 * as client-go's token bucket): a busy cluster's Applications queue here instead
 * of flooding its API server. Watches are long-lived and not counted.
 */
import type { RestClient } from '../kube/rest.ts';

export function rateLimited(rest: RestClient, limits: { qps: number; burst: number }, now: () => number = Date.now): RestClient {
  let tokens = limits.burst;
  let refilledAt = now();
  let chain: Promise<void> = Promise.resolve();

  // One waiter at a time, in order: each takes a token or sleeps until one is due.
  const take = (): Promise<void> => {
    const turn = chain.then(async () => {
      const elapsed = (now() - refilledAt) / 1_000;
      tokens = Math.min(limits.burst, tokens + elapsed * limits.qps);
      refilledAt = now();
      if (tokens < 1) {
        await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - tokens) / limits.qps) * 1_000)));
        tokens = 1;
        refilledAt = now();
      }
      tokens -= 1;
    });
    chain = turn;
    return turn;
  };

  return {
    server: rest.server,
    async request(method, path, options) {
      await take();
      return rest.request(method, path, options);
    },
    watch: (path, query, onEvent, onDone) => rest.watch(path, query, onEvent, onDone),
    close: () => { rest.close(); },
  };
}
