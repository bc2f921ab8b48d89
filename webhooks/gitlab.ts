/**
 * GitLab: `X-Gitlab-Token` is the shared secret itself (compared in constant
 * time); `X-Gitlab-Event` `Push Hook` and `Tag Push Hook`, and `System Hook`
 * carrying `push` / `tag_push` (system hooks name their event in `event_name`
 * and send no `object_kind`) or `repository_update`, the one trigger a new
 * system hook has by default: one event per `changes[]` entry, no files.
 * GitLab lists at most 20 commits and gives the true count in
 * `total_commits_count`. It has no ping: its "Test" button sends a push.
 * https://docs.gitlab.com/user/project/integrations/webhook_events/#push-events
 * https://docs.gitlab.com/administration/system_hooks/
 */
import { z } from 'zod';
import { buildPushEvent } from './build-push-event.ts';
import { checkBodySize, deliveryIdFrom, distinctUrls, headerValue, ignored, parsePayload, pushes, quote, rejected } from './delivery.ts';
import { commitSha, count, fileList, fullRef, urlString } from './payload-fields.ts';
import type { WebhookHeaders, WebhookOptions, WebhookResult } from './push-event.ts';
import { verifySharedToken } from './signature.ts';

const pushEventTypes = new Set(['Push Hook', 'Tag Push Hook', 'System Hook']);

const projectSchema = z.object({
  web_url: urlString.nullish(),
  git_http_url: urlString.nullish(),
  git_ssh_url: urlString.nullish(),
  path_with_namespace: z.string().nullish(),
  default_branch: z.string().nullish(),
});

const pushFields = {
  ref: fullRef,
  before: commitSha,
  after: commitSha,
  commits: z.array(z.object({ added: fileList, modified: fileList, removed: fileList })).optional(),
  total_commits_count: count.optional(),
  project: projectSchema.optional(),
  repository: z
    .object({
      homepage: urlString.nullish(),
      git_http_url: urlString.nullish(),
      git_ssh_url: urlString.nullish(),
    })
    .optional(),
};

/** A project hook names its event in object_kind; a system hook's push carries event_name alone. */
const projectPushPayload = z.object({ object_kind: z.enum(['push', 'tag_push']), ...pushFields });
const systemPushPayload = z.object({ ...pushFields });

const repositoryUpdatePayload = z.object({
  project: projectSchema,
  changes: z.array(z.object({ ref: fullRef, before: commitSha, after: commitSha })),
});

type Project = z.output<typeof projectSchema>;

function projectFacts(project: Project | undefined) {
  return { name: project?.path_with_namespace ?? undefined, defaultBranch: project?.default_branch ?? undefined };
}

/** Idempotency-Key stays the same when GitLab retries a delivery; the event UUID is the older fallback. */
function gitlabDeliveryId(headers: WebhookHeaders): string | undefined {
  return deliveryIdFrom(headers, ['Idempotency-Key', 'X-Gitlab-Event-UUID']);
}

function parseRepositoryUpdate(headers: WebhookHeaders, rawBody: Uint8Array): WebhookResult {
  const body = parsePayload(repositoryUpdatePayload, rawBody, undefined);
  if (body.kind === 'rejected') return body;
  const { project, changes } = body.value;
  const urls = distinctUrls([project.git_http_url, project.git_ssh_url, project.web_url]);
  if (urls.length === 0) return rejected(400, 'project: no git_http_url, git_ssh_url or web_url');
  const deliveryId = gitlabDeliveryId(headers);
  const events = changes.map((change) =>
    buildPushEvent({
      provider: 'gitlab',
      deliveryId,
      urls,
      ...projectFacts(project),
      ref: change.ref,
      before: change.before,
      after: change.after,
      files: { from: 'none', reason: 'GitLab repository_update lists no files' },
    }),
  );
  return pushes(events, deliveryId, 'the repository_update lists no changes');
}

export function parseGitLabWebhook(headers: WebhookHeaders, rawBody: Uint8Array, secret: string, options?: WebhookOptions): WebhookResult {
  const refusal = checkBodySize(rawBody, options) ?? verifySharedToken(headers, 'X-Gitlab-Token', secret);
  if (refusal) return refusal;
  const eventType = headerValue(headers, 'X-Gitlab-Event');
  if (eventType === undefined) return rejected(400, 'missing X-Gitlab-Event header');
  if (!pushEventTypes.has(eventType)) return ignored(`GitLab event ${quote(eventType)} does not move a ref`);

  let schema: typeof projectPushPayload | typeof systemPushPayload = projectPushPayload;
  if (eventType === 'System Hook') {
    // System hooks carry many kinds of event; pushes and repository updates concern Berth.
    const kind = parsePayload(z.object({ object_kind: z.string().optional(), event_name: z.string().optional() }), rawBody, undefined);
    if (kind.kind === 'rejected') return kind;
    const name = kind.value.object_kind ?? kind.value.event_name ?? 'unknown';
    if (name === 'repository_update') return parseRepositoryUpdate(headers, rawBody);
    if (name !== 'push' && name !== 'tag_push') return ignored(`GitLab system hook ${quote(name)} does not move a ref`);
    schema = systemPushPayload;
  }

  const body = parsePayload(schema, rawBody, undefined);
  if (body.kind === 'rejected') return body;
  const payload = body.value;
  const { project, repository } = payload;
  const urls = distinctUrls([
    project?.git_http_url,
    project?.git_ssh_url,
    project?.web_url,
    repository?.git_http_url,
    repository?.git_ssh_url,
    repository?.homepage,
  ]);
  if (urls.length === 0) return rejected(400, 'project: no git_http_url, git_ssh_url or web_url');

  const { commits, total_commits_count: total } = payload;
  const event = buildPushEvent({
    provider: 'gitlab',
    deliveryId: gitlabDeliveryId(headers),
    urls,
    ...projectFacts(project),
    ref: payload.ref,
    before: payload.before,
    after: payload.after,
    files: {
      from: 'commits',
      commits,
      truncated:
        commits && total !== undefined && total > commits.length
          ? `total_commits_count is ${total} but only ${commits.length} commits are listed`
          : undefined,
      nullMeansEmpty: false,
    },
  });
  return pushes([event], event.deliveryId, 'no ref moved');
}
