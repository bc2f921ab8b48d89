/**
 * What the webhook benchmark reads out of its evidence, as pure functions:
 * the most reconciles of one Application that ran at once (from the
 * controller's JSON log, in file order: one process writes it, so the order of
 * its lines is the order of the events), the Git requests made for one
 * repository (from the test Git server's request log), and the signed body of
 * a `generic` provider delivery.
 */
import { createHmac } from 'node:crypto';

export interface ReconcileLogEntry {
  msg?: string;
  app?: string;
}

/** Log messages that open and close one reconcile run (src/controller/reconcile/, src/queue/reconcile-worker.ts). */
export const reconcileStart = 'reconcile started';
export const reconcileEnds: ReadonlySet<string> = new Set(['reconciled', 'reconcile failed', 'reconcile failed; retrying with backoff']);

export interface ReconcileOverlap {
  /** Reconcile runs started, by Application. */
  started: Map<string, number>;
  /** The most runs of one Application in progress at the same moment, by Application. */
  maxConcurrent: Map<string, number>;
}

/** Walks the log in order; `only` limits it to some Applications (keys `namespace/name`). */
export function reconcileOverlap(entries: Iterable<ReconcileLogEntry>, only?: ReadonlySet<string>): ReconcileOverlap {
  const running = new Map<string, number>();
  const started = new Map<string, number>();
  const maxConcurrent = new Map<string, number>();
  for (const entry of entries) {
    const app = entry.app;
    if (app === undefined || entry.msg === undefined || (only && !only.has(app))) continue;
    if (entry.msg === reconcileStart) {
      const now = (running.get(app) ?? 0) + 1;
      running.set(app, now);
      started.set(app, (started.get(app) ?? 0) + 1);
      maxConcurrent.set(app, Math.max(maxConcurrent.get(app) ?? 0, now));
    } else if (reconcileEnds.has(entry.msg)) {
      // A run that ended without a logged start (the log was read from its middle) is not counted below zero.
      running.set(app, Math.max(0, (running.get(app) ?? 0) - 1));
    }
  }
  return { started, maxConcurrent };
}

export const highest = (values: Iterable<number>): number => Math.max(0, ...values);

export interface GitRequest {
  method: string;
  path: string;
}

/** Pack downloads (POST git-upload-pack: with protocol v1 one per fetch) and ref listings (GET info/refs) of `<name>.git`. */
export function gitRequestsOf(requests: readonly GitRequest[], name: string): { fetches: number; refListings: number } {
  let fetches = 0;
  let refListings = 0;
  for (const request of requests) {
    if (request.method === 'POST' && request.path === `/${name}.git/git-upload-pack`) fetches++;
    else if (request.method === 'GET' && request.path === `/${name}.git/info/refs`) refListings++;
  }
  return { fetches, refListings };
}

export interface GenericDelivery {
  body: string;
  headers: Record<string, string>;
}

/** A push delivery for the `generic` provider (webhooks/generic.ts), signed with `X-Signature: sha256=<hex>`. */
export function genericDelivery(options: { secret: string; repository: string; after: string; before?: string; deliveryId: string }): GenericDelivery {
  const body = JSON.stringify({
    repository: options.repository, ref: 'refs/heads/main', after: options.after,
    ...(options.before ? { before: options.before } : {}),
  });
  const signature = createHmac('sha256', options.secret).update(body).digest('hex');
  return {
    body,
    headers: { 'Content-Type': 'application/json', 'X-Event': 'push', 'X-Delivery-Id': options.deliveryId, 'X-Signature': `sha256=${signature}` },
  };
}
