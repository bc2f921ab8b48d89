/**
 * Gitea, Forgejo and Gogs: `X-Forgejo-Signature` / `X-Gitea-Signature` /
 * `X-Gogs-Signature`, the bare hex HMAC-SHA256 of the JSON payload (for a
 * form-encoded delivery, of the JSON in its `payload` field: Gitea signs the
 * payload, not the form); `X-Forgejo-Event` / `X-Gitea-Event` / `X-Gogs-Event`:
 * - `push` for branches and tags (a tag comes as a push of `refs/tags/...`, its
 *   deletion as a push whose `after` is all zeros);
 * - `delete` for a deleted branch (Gitea sends no push for it) or tag;
 * - `create` is ignored: the push that created the ref arrives too.
 * Gitea trims `commits` and gives the true count in `total_commits`.
 * https://docs.gitea.com/usage/webhooks
 */
import { z } from 'zod';
import { buildPushEvent } from './build-push-event.ts';
import { checkBodySize, deliveryIdFrom, distinctUrls, firstHeader, headerValue, ignored, parsePayload, pushes, quote, rejected } from './delivery.ts';
import { commitSha, count, fileList, fullRef, refName, urlString } from './payload-fields.ts';
import type { WebhookHeaders, WebhookOptions, WebhookResult } from './push-event.ts';
import { giteaSignature } from './provider-authentication.ts';
import { verifyHmacSha256 } from './signature.ts';

const repositorySchema = z.object({
  full_name: z.string().nullish(),
  html_url: urlString.nullish(),
  clone_url: urlString.nullish(),
  ssh_url: urlString.nullish(),
  default_branch: z.string().nullish(),
});

const pushPayload = z.object({
  ref: fullRef,
  before: commitSha,
  after: commitSha,
  commits: z.array(z.object({ added: fileList, modified: fileList, removed: fileList })).nullish(),
  total_commits: count.optional(),
  repository: repositorySchema,
});

const deletePayload = z.object({
  ref: refName,
  ref_type: z.enum(['branch', 'tag']),
  repository: repositorySchema,
});

type GiteaRepository = z.output<typeof repositorySchema>;

const eventHeaders = ['X-Forgejo-Event', 'X-Gitea-Event', 'X-Gogs-Event'];
const deliveryHeaders = ['X-Forgejo-Delivery', 'X-Gitea-Delivery', 'X-Gogs-Delivery'];

function repositoryFacts(repository: GiteaRepository) {
  return {
    urls: distinctUrls([repository.clone_url, repository.ssh_url, repository.html_url]),
    name: repository.full_name ?? undefined,
    defaultBranch: repository.default_branch ?? undefined,
  };
}

export function parseGiteaWebhook(headers: WebhookHeaders, rawBody: Uint8Array, secret: string, options?: WebhookOptions): WebhookResult {
  const refusal =
    checkBodySize(rawBody, options) ??
    verifyHmacSha256(headers, rawBody, secret, giteaSignature, options?.secretName);
  if (refusal) return refusal;
  const eventType = firstHeader(headers, eventHeaders)?.value;
  if (eventType === undefined) return rejected(400, 'missing X-Gitea-Event header');
  const deliveryId = deliveryIdFrom(headers, deliveryHeaders);
  const contentType = headerValue(headers, 'Content-Type');

  if (eventType === 'delete') {
    const body = parsePayload(deletePayload, rawBody, contentType, 'payload');
    if (body.kind === 'rejected') return body;
    const { ref, ref_type: refType, repository } = body.value;
    const facts = repositoryFacts(repository);
    if (facts.urls.length === 0) return rejected(400, 'repository: no clone_url, ssh_url or html_url');
    const fullName = ref.startsWith('refs/') ? ref : `${refType === 'tag' ? 'refs/tags/' : 'refs/heads/'}${ref}`;
    const event = buildPushEvent({
      provider: 'gitea',
      deliveryId,
      ...facts,
      ref: fullName,
      before: undefined,
      after: undefined,
      deleted: true,
      files: { from: 'none', reason: 'the ref was deleted' },
    });
    return pushes([event], deliveryId, 'no ref moved');
  }
  if (eventType !== 'push') return ignored(`Gitea event ${quote(eventType)} does not move a ref`);

  const body = parsePayload(pushPayload, rawBody, contentType, 'payload');
  if (body.kind === 'rejected') return body;
  const payload = body.value;
  const facts = repositoryFacts(payload.repository);
  if (facts.urls.length === 0) return rejected(400, 'repository: no clone_url, ssh_url or html_url');
  const commits = payload.commits ?? undefined;
  const total = payload.total_commits;
  const event = buildPushEvent({
    provider: 'gitea',
    deliveryId,
    ...facts,
    ref: payload.ref,
    before: payload.before,
    after: payload.after,
    files: {
      from: 'commits',
      commits,
      truncated:
        total === undefined
          ? 'the payload has no total_commits, so the commit list may be cut short'
          : commits && total > commits.length
            ? `total_commits is ${total} but only ${commits.length} commits are listed`
            : undefined,
      nullMeansEmpty: true,
    },
  });
  return pushes([event], deliveryId, 'no ref moved');
}
