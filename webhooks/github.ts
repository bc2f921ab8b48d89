/**
 * GitHub (and GitHub Enterprise Server): `X-Hub-Signature-256: sha256=<hex>` over
 * the raw body; `X-GitHub-Event` `ping` and `push` (branches and tags, including
 * `created`, `deleted`, `forced`); JSON or form-encoded bodies.
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
 */
import { z } from 'zod';
import { buildPushEvent } from './build-push-event.ts';
import {
  checkBodySize,
  deliveryIdFrom,
  distinctUrls,
  headerValue,
  ignored,
  parsePayload,
  ping,
  pushes,
  quote,
  rejected,
} from './delivery.ts';
import { commitSha, count, fileList, fullRef, urlString } from './payload-fields.ts';
import type { WebhookHeaders, WebhookOptions, WebhookResult } from './push-event.ts';
import { githubSignature } from './provider-authentication.ts';
import { verifyHmacSha256 } from './signature.ts';

/** GitHub lists at most this many commits in a push delivery and gives no total. */
export const githubCommitCap = 2048;

const pushPayload = z.object({
  ref: fullRef,
  before: commitSha,
  after: commitSha,
  created: z.boolean().optional(),
  deleted: z.boolean().optional(),
  forced: z.boolean().optional(),
  commits: z.array(z.object({ added: fileList, modified: fileList, removed: fileList })).optional(),
  repository: z.object({
    full_name: z.string().optional(),
    html_url: urlString.optional(),
    clone_url: urlString.optional(),
    ssh_url: urlString.optional(),
    git_url: urlString.optional(),
    default_branch: z.string().optional(),
  }),
});

const pingPayload = z.object({ hook_id: count.optional(), zen: z.string().optional() });

export function parseGitHubWebhook(headers: WebhookHeaders, rawBody: Uint8Array, secret: string, options?: WebhookOptions): WebhookResult {
  const refusal =
    checkBodySize(rawBody, options) ?? verifyHmacSha256(headers, rawBody, secret, githubSignature, options?.secretName);
  if (refusal) return refusal;
  const eventType = headerValue(headers, 'X-GitHub-Event');
  if (eventType === undefined) return rejected(400, 'missing X-GitHub-Event header');
  const contentType = headerValue(headers, 'Content-Type');
  if (eventType === 'ping') {
    const body = parsePayload(pingPayload, rawBody, contentType, 'payload');
    if (body.kind === 'rejected') return body;
    return ping(body.value.hook_id === undefined ? 'GitHub ping' : `GitHub ping from hook ${body.value.hook_id}`);
  }
  if (eventType !== 'push') return ignored(`GitHub event ${quote(eventType)} does not move a ref`);

  const body = parsePayload(pushPayload, rawBody, contentType, 'payload');
  if (body.kind === 'rejected') return body;
  const payload = body.value;
  const { repository } = payload;
  const urls = distinctUrls([repository.clone_url, repository.ssh_url, repository.html_url, repository.git_url]);
  if (urls.length === 0) return rejected(400, 'repository: no clone_url, ssh_url or html_url');

  const commits = payload.commits;
  const event = buildPushEvent({
    provider: 'github',
    deliveryId: deliveryIdFrom(headers, ['X-GitHub-Delivery']),
    urls,
    name: repository.full_name,
    defaultBranch: repository.default_branch,
    ref: payload.ref,
    before: payload.before,
    after: payload.after,
    created: payload.created,
    deleted: payload.deleted,
    forced: payload.forced,
    files: {
      from: 'commits',
      commits,
      truncated: commits && commits.length >= githubCommitCap ? `GitHub lists at most ${githubCommitCap} commits per push` : undefined,
      nullMeansEmpty: false,
    },
  });
  return pushes([event], event.deliveryId, 'no ref moved');
}
