/**
 * Bitbucket Cloud: `X-Hub-Signature: sha256=<hex>` over the raw body;
 * `X-Event-Key: repo:push`, one event per entry of `push.changes[]` (`new` is
 * null for a deleted ref, `old` for a created one). The payload lists at most 5
 * commits per change and no files. Bitbucket Cloud has no ping event, and a
 * webhook saved without a secret sends no signature: the 401 says what to set.
 * https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/#Push
 */
import { z } from 'zod';
import { buildPushEvent } from './build-push-event.ts';
import { checkBodySize, deliveryIdFrom, distinctUrls, headerValue, ignored, parsePayload, pushes, quote, rejected } from './delivery.ts';
import { commitSha, refName, urlString } from './payload-fields.ts';
import type { PushEvent, WebhookHeaders, WebhookOptions, WebhookResult } from './push-event.ts';
import { bitbucketCloudSignature } from './provider-authentication.ts';
import { verifyHmacSha256 } from './signature.ts';

const refState = z.object({
  type: z.string(),
  name: refName,
  target: z.object({ hash: commitSha }),
});

const change = z
  .object({
    new: refState.nullish(),
    old: refState.nullish(),
    created: z.boolean().optional(),
    closed: z.boolean().optional(),
    forced: z.boolean().optional(),
  })
  .refine((c) => c.new || c.old, { message: 'one of new and old is required', path: ['new'] });

const link = z.object({ href: urlString });

const pushPayload = z.object({
  push: z.object({ changes: z.array(change) }),
  repository: z
    .object({
      full_name: z.string().optional(),
      links: z.object({ html: link.optional(), clone: z.array(link).optional() }).optional(),
    })
    .refine((r) => r.links?.html ?? r.full_name, { message: 'links.html.href or full_name is required', path: ['links'] }),
});

/** Bitbucket's ref types; Mercurial's `named_branch` and `bookmark` are gone with Mercurial. */
const refPrefixes: Readonly<Record<string, string>> = { branch: 'refs/heads/', tag: 'refs/tags/', annotated_tag: 'refs/tags/' };

export function parseBitbucketCloudWebhook(
  headers: WebhookHeaders,
  rawBody: Uint8Array,
  secret: string,
  options?: WebhookOptions,
): WebhookResult {
  const refusal = checkBodySize(rawBody, options) ?? verifyHmacSha256(headers, rawBody, secret, bitbucketCloudSignature, options?.secretName);
  if (refusal) return refusal;
  const eventKey = headerValue(headers, 'X-Event-Key');
  if (eventKey === undefined) return rejected(400, 'missing X-Event-Key header');
  if (eventKey !== 'repo:push') return ignored(`Bitbucket Cloud event ${quote(eventKey)} does not move a ref`);

  const body = parsePayload(pushPayload, rawBody, undefined);
  if (body.kind === 'rejected') return body;
  const { push, repository } = body.value;
  const deliveryId = deliveryIdFrom(headers, ['X-Request-UUID']);
  const urls = distinctUrls([
    repository.links?.html?.href,
    ...(repository.links?.clone ?? []).map((l) => l.href),
    // Bitbucket Cloud lives at one address, so the name alone gives the repository.
    repository.full_name === undefined ? undefined : `https://bitbucket.org/${repository.full_name}.git`,
  ]);
  const events: PushEvent[] = [];
  for (const c of push.changes) {
    const state = c.new ?? c.old;
    if (!state) continue;
    const prefix = Object.hasOwn(refPrefixes, state.type) ? refPrefixes[state.type] : undefined;
    if (prefix === undefined) continue;
    events.push(
      buildPushEvent({
        provider: 'bitbucket-cloud',
        deliveryId,
        urls,
        name: repository.full_name,
        ref: `${prefix}${state.name}`,
        before: c.old?.target.hash,
        after: c.new?.target.hash,
        created: c.created === true || !c.old,
        deleted: c.closed === true || !c.new,
        forced: c.forced,
        files: { from: 'none', reason: 'Bitbucket Cloud payloads do not list changed files' },
      }),
    );
  }
  return pushes(events, deliveryId, 'the delivery moves no branch or tag');
}
