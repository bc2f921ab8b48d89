/**
 * What the HTTP server is handed: narrow interfaces over the registry, the
 * status store, the queue, the delivery log and the metrics, so routes can be
 * tested with small in-memory stand-ins and the server depends on nothing else.
 */
import type { AppRegistry } from '../application/app-registry.ts';
import type { Logger } from '../log.ts';
import type { ReconcileJob } from '../queue/reconcile-job.ts';
import type { AuthOptions } from './auth.ts';
import type { ConsoleDeps } from './console/deps.ts';
import type { DeliveryLog } from './delivery-log.ts';
import type { RateLimitOptions } from './rate-limit.ts';
import type { StatusReader } from './status-store.ts';

/** The metrics the server serves and counts; the controller's metrics registry fits it. */
export interface ServerMetrics {
  render(): Promise<{ contentType: string; body: string }>;
  webhookRequest(provider: string, result: string): void;
}

export interface WebhookSettings {
  /** The secret of a provider, or undefined when none is configured (deliveries are then refused). */
  secretOf(provider: string): string | undefined;
  maxBodyBytes: number;
  /**
   * Body bytes all deliveries being read may hold at once, before they are
   * verified (`--webhook-max-inflight-bytes`); a delivery that does not fit
   * within a short wait is refused 503. Default 64 MiB.
   */
  maxInflightBytes?: number;
  rateLimit: RateLimitOptions;
}

export interface ServerDeps {
  registry: Pick<AppRegistry, 'get' | 'list'>;
  statuses: StatusReader;
  queue: { enqueue(job: ReconcileJob): Promise<void> };
  deliveries: DeliveryLog;
  /** Resolves when the controller can work (cluster and Redis reachable); throws with the reason otherwise. */
  ready(): Promise<void>;
  metrics: ServerMetrics;
  auth: AuthOptions;
  webhooks: WebhookSettings;
  log: Logger;
  /** Deliveries of notifications and a provider's test message (src/notify); absent: none. */
  notifications?: {
    deliveries(app: string): Promise<readonly object[]>;
    test(namespace: string, provider: string): Promise<object | undefined>;
  };
  /** Milliseconds since the epoch; injected for rate-limit tests. */
  now?: () => number;
  /** The console's sessions, change feed and live reads (console/deps.ts); without them its routes say what is missing. */
  console?: ConsoleDeps;
}
