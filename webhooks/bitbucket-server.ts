/**
 * Bitbucket Server / Data Center: `X-Hub-Signature: sha256=<hex>` over the raw
 * body; `X-Event-Key` `repo:refs_changed` (one event per entry of `changes[]`,
 * type ADD / UPDATE / DELETE) and `diagnostics:ping` (the "Test connection"
 * button). The payload lists no changed files. Clone URLs come from
 * `repository.links.clone[]`: the https one has a `/scm/` prefix the ssh one
 * lacks, so both are reported and either matches. Data Center often sends no
 * `links`: then the repository is `project.key/slug` (`projectPath`), matched on
 * the last two segments of an Application's URL.
 * https://confluence.atlassian.com/bitbucketserver/event-payload-938025882.html
 */
import { z } from 'zod';
import { buildPushEvent } from './build-push-event.ts';
import { checkBodySize, deliveryIdFrom, distinctUrls, headerValue, ignored, parsePayload, ping, pushes, quote, rejected } from './delivery.ts';
import { commitSha, fullRef, urlString } from './payload-fields.ts';
import type { PushEvent, WebhookHeaders, WebhookOptions, WebhookResult } from './push-event.ts';
import { bitbucketServerSignature } from './provider-authentication.ts';
import { verifyHmacSha256 } from './signature.ts';

const change = z
  .object({
    ref: z.object({ id: fullRef }).optional(),
    refId: fullRef.optional(),
    fromHash: commitSha,
    toHash: commitSha,
    type: z.enum(['ADD', 'UPDATE', 'DELETE']),
  })
  .refine((c) => c.ref !== undefined || c.refId !== undefined, { message: 'ref.id or refId is required', path: ['ref'] });

const refsChangedPayload = z.object({
  repository: z.object({
    slug: z.string().optional(),
    project: z.object({ key: z.string() }).optional(),
    // Data Center leaves links out of refs_changed (Atlassian's own example has none): project key and slug name it then.
    links: z.object({ clone: z.array(z.object({ href: urlString, name: z.string().optional() })).min(1) }).optional(),
  }),
  changes: z.array(change),
});

export function parseBitbucketServerWebhook(
  headers: WebhookHeaders,
  rawBody: Uint8Array,
  secret: string,
  options?: WebhookOptions,
): WebhookResult {
  const refusal = checkBodySize(rawBody, options) ?? verifyHmacSha256(headers, rawBody, secret, bitbucketServerSignature, options?.secretName);
  if (refusal) return refusal;
  const eventKey = headerValue(headers, 'X-Event-Key');
  if (eventKey === undefined) return rejected(400, 'missing X-Event-Key header');
  if (eventKey === 'diagnostics:ping') return ping('Bitbucket Server test connection');
  if (eventKey !== 'repo:refs_changed') return ignored(`Bitbucket Server event ${quote(eventKey)} does not move a ref`);

  const body = parsePayload(refsChangedPayload, rawBody, undefined);
  if (body.kind === 'rejected') return body;
  const { repository, changes } = body.value;
  const deliveryId = deliveryIdFrom(headers, ['X-Request-Id']);
  const urls = distinctUrls((repository.links?.clone ?? []).map((link) => link.href));
  const name = repository.project && repository.slug ? `${repository.project.key}/${repository.slug}` : undefined;
  if (urls.length === 0 && name === undefined) return rejected(400, 'repository: no links.clone, and no project.key with slug');
  const projectPath = urls.length === 0 ? name?.toLowerCase() : undefined;
  const events: PushEvent[] = changes.map((c) =>
    buildPushEvent({
      provider: 'bitbucket-server',
      deliveryId,
      urls,
      projectPath,
      name,
      ref: c.ref?.id ?? c.refId ?? '',
      before: c.fromHash,
      after: c.toHash,
      created: c.type === 'ADD',
      deleted: c.type === 'DELETE',
      files: { from: 'none', reason: 'Bitbucket Server payloads do not list changed files' },
    }),
  );
  return pushes(events, deliveryId, 'the delivery lists no ref changes');
}
