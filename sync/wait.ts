/**
 * Small async helpers of the engine: polling with a deadline on an injected
 * clock (CRD Established, a hook finishing, an object gone before it is
 * recreated), and bounded parallelism.
 */
import type { Clock } from './options.ts';

export type PollResult<T> = { done: true; value: T } | { done: false; message: string };

/**
 * Call `check` until it reports done or `timeoutMs` passes; resolves with the
 * value, or with `{ timedOut: true, message }` carrying the last message.
 */
export async function pollUntil<T>(
  check: () => Promise<PollResult<T>>,
  options: { clock: Clock; timeoutMs: number; intervalMs: number },
): Promise<{ timedOut: false; value: T } | { timedOut: true; message: string }> {
  const deadline = options.clock.now() + options.timeoutMs;
  for (;;) {
    const result = await check();
    if (result.done) return { timedOut: false, value: result.value };
    if (options.clock.now() >= deadline) return { timedOut: true, message: result.message };
    await options.clock.sleep(Math.min(options.intervalMs, Math.max(1, deadline - options.clock.now())));
  }
}

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
