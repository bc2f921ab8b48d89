/**
 * The generic provider, for any Git host or CI job that can sign a request:
 *
 *   POST /api/v1/webhooks/generic
 *   X-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>
 *   X-Event: push            (optional; `ping` answers as a ping, anything else is ignored)
 *   X-Delivery-Id: <id>      (optional; a redelivery with the same id is not queued twice)
 *   Content-Type: application/json
 *
 *   { "repository": "https://git.example.com/team/deploy.git",   // or an array of URLs
 *     "ref": "refs/heads/main",                                   // a full ref
 *     "before": "<40 or 64 hex digits>",                          // optional
 *     "after": "<40 or 64 hex digits>",                           // all zeros: the ref was deleted
 *     "changedPaths": ["apps/web/deployment.yaml"] }              // optional: omit when unknown
 *
 * `changedPaths` is trusted as complete when given; leave it out rather than
 * send a partial list.
 */
import { z } from 'zod';
import { buildPushEvent } from './build-push-event.ts';
import { checkBodySize, deliveryIdFrom, distinctUrls, headerValue, ignored, parsePayload, ping, pushes, quote, rejected } from './delivery.ts';
import { commitSha, fullRef, urlString } from './payload-fields.ts';
import type { WebhookHeaders, WebhookOptions, WebhookResult } from './push-event.ts';
import { genericSignature } from './provider-authentication.ts';
import { verifyHmacSha256 } from './signature.ts';

export const genericPushPayload = z.object({
  repository: z.union([urlString, z.array(urlString).min(1)]),
  ref: fullRef,
  before: commitSha.optional(),
  after: commitSha,
  changedPaths: z.array(z.string().min(1).max(4096)).optional(),
});

export type GenericPushPayload = z.input<typeof genericPushPayload>;

export function parseGenericWebhook(headers: WebhookHeaders, rawBody: Uint8Array, secret: string, options?: WebhookOptions): WebhookResult {
  const refusal = checkBodySize(rawBody, options) ?? verifyHmacSha256(headers, rawBody, secret, genericSignature, options?.secretName);
  if (refusal) return refusal;
  const eventType = headerValue(headers, 'X-Event') ?? 'push';
  if (eventType === 'ping') return ping('generic ping');
  if (eventType !== 'push') return ignored(`generic event ${quote(eventType)} is not a push`);

  const body = parsePayload(genericPushPayload, rawBody, undefined);
  if (body.kind === 'rejected') return body;
  const payload = body.value;
  const urls = distinctUrls(typeof payload.repository === 'string' ? [payload.repository] : payload.repository);
  if (urls.length === 0) return rejected(400, 'repository: expected a repository URL');
  const deliveryId = deliveryIdFrom(headers, ['X-Delivery-Id']);
  const event = buildPushEvent({
    provider: 'generic',
    deliveryId,
    urls,
    ref: payload.ref,
    before: payload.before,
    after: payload.after,
    files:
      payload.changedPaths === undefined
        ? { from: 'none', reason: 'the delivery lists no changedPaths' }
        : { from: 'list', paths: payload.changedPaths },
  });
  return pushes([event], deliveryId, 'no ref moved');
}
