/**
 * The generic webhook: one CloudEvents 1.0 event in structured JSON mode
 * (`Content-Type: application/cloudevents+json`, every attribute in the body),
 * signed like a GitHub webhook so receivers can reuse their verifier:
 *
 *   X-Berth-Signature: sha256=<hex HMAC-SHA256 of the raw body, key = the provider's secret>
 *
 * The receiver should compare in constant time and may dedupe on the event's
 * `id`, which is stable per (Application, event type, revision): a redelivery
 * after a controller restart carries the same id. A provider without a secret
 * is refused: an unsigned body would be accepted from anybody.
 */
import { createHmac } from 'node:crypto';
import type { DeliveryOutcome, HttpPost, NotificationEvent, ProviderConfig } from './event.ts';
import { exchange, isOutcome, outcomeOfResponse, parseAddress, redactorFor } from './http-outcome.ts';

export const signatureHeader = 'x-berth-signature';

export function cloudEvent(event: NotificationEvent): Record<string, unknown> {
  const { namespace, name, uid } = event.application;
  const data: Record<string, unknown> = {
    application: { namespace, name, uid },
    severity: event.severity,
    revision: event.revision,
    reason: event.reason,
  };
  if (event.previousRevision !== undefined) data['previousRevision'] = event.previousRevision;
  if (event.commit !== undefined) data['commit'] = event.commit;
  if (event.object !== undefined) data['object'] = event.object;
  if (event.consoleUrl !== undefined) data['consoleUrl'] = event.consoleUrl;
  return {
    specversion: '1.0',
    id: event.id,
    source: `/apis/berth.dev/v1alpha1/namespaces/${encodeURIComponent(namespace)}/applications/${encodeURIComponent(name)}`,
    type: `dev.berth.application.${event.type}`,
    subject: event.revision,
    time: event.time,
    datacontenttype: 'application/json',
    data,
  };
}

export function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export async function sendCloudEvent(config: ProviderConfig, event: NotificationEvent, http: HttpPost, now: number): Promise<DeliveryOutcome> {
  const url = parseAddress(config, config.address);
  if (typeof url === 'string') return { result: 'dropped', reason: url };
  if (config.secret === undefined || config.secret === '') {
    return { result: 'dropped', reason: `webhook provider ${config.name}: no signing secret is configured (Secret key "secret"); unsigned deliveries are not sent` };
  }
  const body = JSON.stringify(cloudEvent(event));
  const what = `webhook of ${config.name} (${url.host})`;
  const response = await exchange(http, {
    method: 'POST',
    url: url.toString(),
    headers: {
      'content-type': 'application/cloudevents+json; charset=utf-8',
      [signatureHeader]: sign(body, config.secret),
    },
    body,
  }, config, what);
  return isOutcome(response) ? response : outcomeOfResponse(response, what, redactorFor(config), now);
}
