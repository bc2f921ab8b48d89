/**
 * Graceful shutdown of BullMQ workers: stop taking jobs, wait for in-flight
 * ones up to a timeout, then close. A job cut off at the timeout keeps its
 * place in Redis; its lock expires and another replica's stalled check
 * recovers it, so nothing is lost, only delayed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'bullmq';

/** Anything with a drain: the reconcile and poll workers. */
export interface Drainable {
  drain(timeoutMs?: number): Promise<boolean>;
}

/**
 * Pauses `worker` (it takes no new job) and waits for its in-flight jobs for at
 * most `timeoutMs`; then closes it, forcibly if jobs are still running, after
 * `onTimeout` (which should abort them). Returns whether all finished in time.
 */
export async function drainWorker(worker: Worker, timeoutMs: number, onTimeout: () => void = () => undefined): Promise<boolean> {
  const deadline = new AbortController();
  const finished = await Promise.race([
    worker.pause().then(() => true),
    sleep(timeoutMs, false, { signal: deadline.signal }).catch(() => false),
  ]);
  deadline.abort();
  if (!finished) onTimeout();
  await worker.close(!finished);
  return finished;
}

/**
 * On the first of `signals`, drains every target at once and then calls `done`
 * (which normally closes the queues and exits). A second signal is ignored: the
 * drain already has a deadline. Returns a function that removes the handlers.
 */
export function drainOnSignals(
  targets: readonly Drainable[],
  done: (allFinished: boolean) => void | Promise<void>,
  signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): () => void {
  let started = false;
  const handler = (): void => {
    if (started) return;
    started = true;
    void Promise.all(targets.map((target) => target.drain().catch(() => false)))
      .then((finished) => done(finished.every(Boolean)));
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
