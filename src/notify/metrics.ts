/**
 * Notification metrics, on Berth's registry (src/metrics): deliveries by
 * provider type, event type and result, the time from transition to outcome,
 * and the ones dropped after their retries. Labels never carry a provider's
 * name, address or token: the type (slack, webhook, github...) only.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface NotificationMetrics {
  attempt(providerType: string, eventType: string, result: string, secondsSinceTransition: number): void;
  dropped(providerType: string, eventType: string): void;
}

export function createNotificationMetrics(registry: Registry): NotificationMetrics {
  const attempts = new Counter({
    name: 'berth_notification_attempts_total', help: 'Notification delivery attempts, by provider type, event type and result',
    labelNames: ['provider_type', 'event', 'result'], registers: [registry],
  });
  const latency = new Histogram({
    name: 'berth_notification_delivery_seconds', help: 'Time from a release transition to the outcome of its notification\'s attempt',
    labelNames: ['provider_type', 'result'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers: [registry],
  });
  const dropped = new Counter({
    name: 'berth_notifications_dropped_total', help: 'Notifications given up on after their retries ran out (or that retrying cannot fix)',
    labelNames: ['provider_type', 'event'], registers: [registry],
  });
  return {
    attempt(providerType, eventType, result, seconds) {
      attempts.inc({ provider_type: providerType, event: eventType, result });
      latency.observe({ provider_type: providerType, result }, Math.max(0, seconds));
    },
    dropped(providerType, eventType) {
      dropped.inc({ provider_type: providerType, event: eventType });
    },
  };
}
