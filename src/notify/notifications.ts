/**
 * Notifications, wired: the resource watch (NotificationProviders and
 * NotificationRules), the notifier the reconcile tells (event-sink.ts), the
 * notification queue and, unless `concurrency` is 0, its worker, the delivery
 * log, and a person's test message. The controller (src/controller/
 * controller.ts) starts it and hands `events` to the reconciler and `api` to
 * the HTTP server.
 */
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { eventReasons, recordApplicationEvent, type EventSubject } from '../application/events.ts';
import type { RestClient } from '../kube/rest.ts';
import type { ResolvedQueueOptions } from '../queue/options.ts';
import { createDeliveryLog, type DeliveryEntry, type DeliveryLog } from './delivery-log.ts';
import { createNotifier, type EventSink } from './event-sink.ts';
import { createNotificationHttp } from './http.ts';
import { createNotificationMetrics } from './metrics.ts';
import { cachedSecretReads, providerConfigOf, type SecretAccess } from './provider-config.ts';
import { sendNotification, type DeliveryOutcome, type NotificationEvent } from './providers/provider.ts';
import { NotificationQueue, type NotificationJob } from './queue.ts';
import { watchNotificationResources, type NotificationResources } from './resources/watch.ts';
import { NotificationWorker } from './worker.ts';

export interface NotificationSettings {
  controllerNamespace: string;
  namespaces: readonly string[];
  consoleUrl: string | undefined;
  concurrency: number;
  attempts: number;
  ratePerMinute: number;
  allowPrivate: boolean;
  allowHttp: boolean;
}

export interface NotificationsDeps {
  rest: RestClient;
  redis: Redis;
  queueOptions: ResolvedQueueOptions;
  registry: Registry;
  settings: NotificationSettings;
  /** The Application behind a job, for its Event and its identity; undefined when it is gone. */
  application(key: string): EventSubject | undefined;
  /** Who reads a tenant provider's Secret for the Application `key` (its ServiceAccount, else the controller). */
  secretAccess(key: string): SecretAccess;
  controllerAccess: SecretAccess;
  log: {
    info(fields: object, message: string): void; warn(fields: object, message: string): void; debug(fields: object, message: string): void;
  };
}

export interface NotificationApi {
  deliveries(app: string): Promise<DeliveryEntry[]>;
  /** Sends a test message to one provider now and says what came of it. */
  test(namespace: string, provider: string): Promise<DeliveryOutcome | undefined>;
}

export interface Notifications {
  events: EventSink;
  api: NotificationApi;
  resources: NotificationResources;
  start(): Promise<void>;
  drain(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export function createNotifications(deps: NotificationsDeps): Notifications {
  const { settings, log } = deps;
  const resources = watchNotificationResources({ rest: deps.rest, namespaces: settings.namespaces, controllerNamespace: settings.controllerNamespace, log });
  const queue = new NotificationQueue(deps.queueOptions, deps.redis, { attempts: settings.attempts, dedupeTtlMs: 7 * 24 * 3_600_000 });
  const deliveryLog: DeliveryLog = createDeliveryLog(deps.redis, deps.queueOptions.prefix);
  const metrics = createNotificationMetrics(deps.registry);
  const http = createNotificationHttp({ allowPrivate: settings.allowPrivate });
  const events = createNotifier({
    queue, rules: () => resources.rules(), redis: deps.redis, prefix: deps.queueOptions.prefix,
    controllerNamespace: settings.controllerNamespace, consoleUrl: settings.consoleUrl, log,
  });
  // A tenant's provider is read as the Application; a cluster-wide one (controller's namespace) by the controller.
  const accessFor = (job: Pick<NotificationJob, 'app' | 'provider'>): SecretAccess =>
    (job.provider.namespace === settings.controllerNamespace ? deps.controllerAccess : deps.secretAccess(job.app));
  const secrets = cachedSecretReads();
  let worker: NotificationWorker | undefined;

  return {
    events,
    resources,
    api: {
      deliveries: (app) => deliveryLog.list(app),
      async test(namespace, name) {
        const provider = resources.provider(namespace, name);
        if (!provider) return undefined;
        const event: NotificationEvent = {
          id: `test:${namespace}/${name}:${Date.now()}`, type: 'Synced', severity: 'info',
          application: { namespace, name: 'berth-notifications-test', uid: 'test' },
          revision: '0000000000000000000000000000000000000000',
          reason: `a test message from \`berth notifications test ${namespace}/${name}\``, time: new Date().toISOString(),
        };
        try {
          return await sendNotification(await providerConfigOf(provider, deps.controllerAccess, settings.allowHttp), event, http);
        } catch (error) {
          return { result: 'dropped', reason: error instanceof Error ? error.message : String(error) };
        }
      },
    },
    async start() {
      await resources.start();
      if (settings.concurrency === 0) return;
      worker = new NotificationWorker(deps.queueOptions, {
        provider: (namespace, name) => resources.provider(namespace, name),
        configOf: (provider, job) => providerConfigOf(provider, accessFor(job), settings.allowHttp, secrets),
        http, log: deliveryLog, metrics, redis: deps.redis, prefix: deps.queueOptions.prefix,
        ratePerMinute: settings.ratePerMinute, concurrency: settings.concurrency,
        retry: { limit: settings.attempts, backoffMs: 1_000, factor: 2, maxBackoffMs: 300_000, jitter: 0.25 },
        logger: log,
        async onDropped(job, reason) {
          const subject = deps.application(job.app);
          if (!subject) return;
          await recordApplicationEvent(deps.rest, subject, { type: 'Warning', reason: eventReasons.NotificationDropped, message: reason });
        },
      });
      await worker.worker.waitUntilReady();
    },
    async drain(timeoutMs) {
      return worker ? await worker.drain(timeoutMs) : true;
    },
    async close() {
      resources.stop();
      await queue.close();
    },
  };
}
