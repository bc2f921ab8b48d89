/**
 * One comment per Application on the pull (merge) request of the commit, or on
 * the commit itself when no pull request contains it, updated in place for each
 * later event rather than repeated. The comment is found again by a hidden
 * marker (an HTML comment, invisible in rendered Markdown) naming the
 * Application's UID. Anyone can write that marker into a comment of their own;
 * Berth cannot edit such a comment (403/404), and then posts its own.
 *
 * Requests (GitHub REST, GitLab v4):
 *   GitHub  GET  /repos/{o}/{r}/commits/{sha}/pulls
 *           GET  /repos/{o}/{r}/issues/{n}/comments   PATCH /repos/{o}/{r}/issues/comments/{id}   POST /repos/{o}/{r}/issues/{n}/comments
 *           GET  /repos/{o}/{r}/commits/{sha}/comments PATCH /repos/{o}/{r}/comments/{id}         POST /repos/{o}/{r}/commits/{sha}/comments
 *   GitLab  GET  /projects/:id/repository/commits/:sha/merge_requests
 *           GET  /projects/:id/merge_requests/:iid/notes  PUT /projects/:id/merge_requests/:iid/notes/:note_id  POST /projects/:id/merge_requests/:iid/notes
 *           GET  /projects/:id/repository/commits/:sha/discussions
 *           PUT  /projects/:id/repository/commits/:sha/discussions/:discussion_id/notes/:note_id
 *           POST /projects/:id/repository/commits/:sha/discussions
 * (GitLab's older commit-comments API cannot edit a comment, hence discussions.)
 */
import { createHash } from 'node:crypto';
import { escapeMarkdown } from './chat.ts';
import { authHeaders } from './commit-status.ts';
import type { DeliveryOutcome, HttpPost, HttpResponse, NotificationEvent, ProviderConfig } from './event.ts';
import { type GitHostRepository, gitlabProjectId, isCommitSha, ownerRepoPath, resolveRepository } from './git-host.ts';
import { exchange, isOutcome, outcomeOfResponse, redactorFor } from './http-outcome.ts';
import { facts, primaryLink, shortRevision, title } from './message.ts';

/** The hidden marker of an Application's comment; the UID is hashed so the marker reveals nothing and cannot break out of the HTML comment. */
export function commentMarker(event: NotificationEvent): string {
  const key = createHash('sha256').update(`${event.application.uid}\n${event.application.namespace}/${event.application.name}`).digest('hex').slice(0, 32);
  return `<!-- berth:notification ${key} -->`;
}

export function commentBody(event: NotificationEvent): string {
  const link = primaryLink(event);
  const heading = escapeMarkdown(title(event));
  const rows = facts(event).map((fact) => `| ${fact.label} | ${escapeMarkdown(fact.value)} |`);
  return [
    commentMarker(event),
    `### ${link === undefined ? heading : `[${heading}](${link})`}`,
    '',
    '| | |',
    '|---|---|',
    ...rows,
    '',
    `<sub>Berth updates this comment in place; last event ${escapeMarkdown(event.time)}.</sub>`,
  ].join('\n');
}

/** Listing pages read before giving up looking for the marker (100 per page). */
const maxPages = 5;

interface Step {
  readonly config: ProviderConfig;
  readonly http: HttpPost;
  readonly now: number;
  readonly headers: Record<string, string>;
  readonly apiBase: string;
  readonly what: string;
}

async function call(step: Step, method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown): Promise<HttpResponse | DeliveryOutcome> {
  const request = {
    method,
    url: `${step.apiBase}${path}`,
    headers: body === undefined ? step.headers : { ...step.headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
  const response = await exchange(step.http, request, step.config, `${step.what}: ${method} ${path.replace(/\?.*$/, '')}`);
  if (isOutcome(response)) return response;
  if (response.status >= 200 && response.status < 300) return response;
  return outcomeOfResponse(response, `${step.what}: ${method} ${path.replace(/\?.*$/, '')}`, redactorFor(step.config), step.now);
}

function jsonArray(response: HttpResponse): unknown[] {
  try {
    const parsed: unknown = JSON.parse(response.body);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** The first element the predicate picks across up to `maxPages` pages of a listing. */
async function findInPages<T>(step: Step, path: string, pick: (item: unknown) => T | undefined): Promise<T | undefined | DeliveryOutcome> {
  for (let page = 1; page <= maxPages; page++) {
    const response = await call(step, 'GET', `${path}${path.includes('?') ? '&' : '?'}per_page=100&page=${page}`);
    if (isOutcome(response)) return response;
    const items = jsonArray(response);
    for (const item of items) {
      const found = pick(item);
      if (found !== undefined) return found;
    }
    if (items.length < 100) return undefined;
  }
  return undefined;
}

function isDeliveryOutcome(value: unknown): value is DeliveryOutcome {
  return typeof value === 'object' && value !== null && 'result' in value;
}

function delivered(response: HttpResponse, detail: string): DeliveryOutcome {
  return { result: 'delivered', status: response.status, detail };
}

/** PATCH/PUT the found comment; when that comment turns out not to be Berth's to edit, post a new one. */
async function updateOrPost(step: Step, update: () => Promise<HttpResponse | DeliveryOutcome>, post: () => Promise<HttpResponse | DeliveryOutcome>): Promise<DeliveryOutcome> {
  const updated = await update();
  if (!isOutcome(updated)) return delivered(updated, 'comment updated');
  if (updated.result === 'dropped' && (updated.status === 403 || updated.status === 404)) {
    const posted = await post();
    return isOutcome(posted) ? posted : delivered(posted, 'comment posted (the marked comment was not editable)');
  }
  return updated;
}

async function githubComment(step: Step, repository: GitHostRepository, sha: string, body: string, marker: string): Promise<DeliveryOutcome> {
  const repo = `/repos/${ownerRepoPath(repository)}`;
  const pulls = await call(step, 'GET', `${repo}/commits/${sha}/pulls`);
  if (isOutcome(pulls)) return pulls;
  const listed = jsonArray(pulls);
  const open = listed.find((pull) => field(pull, 'state') === 'open') ?? listed[0];
  const number = positiveInteger(field(open, 'number'));
  const byMarker = (comment: unknown): number | undefined => {
    const text = field(comment, 'body');
    return typeof text === 'string' && text.includes(marker) ? positiveInteger(field(comment, 'id')) : undefined;
  };
  if (number !== undefined) {
    const existing = await findInPages(step, `${repo}/issues/${number}/comments`, byMarker);
    if (isDeliveryOutcome(existing)) return existing;
    const post = (): Promise<HttpResponse | DeliveryOutcome> => call(step, 'POST', `${repo}/issues/${number}/comments`, { body });
    if (existing === undefined) {
      const posted = await post();
      return isOutcome(posted) ? posted : delivered(posted, `comment posted on pull request #${number}`);
    }
    return updateOrPost(step, () => call(step, 'PATCH', `${repo}/issues/comments/${existing}`, { body }), post);
  }
  const existing = await findInPages(step, `${repo}/commits/${sha}/comments`, byMarker);
  if (isDeliveryOutcome(existing)) return existing;
  const post = (): Promise<HttpResponse | DeliveryOutcome> => call(step, 'POST', `${repo}/commits/${sha}/comments`, { body });
  if (existing === undefined) {
    const posted = await post();
    return isOutcome(posted) ? posted : delivered(posted, 'comment posted on the commit');
  }
  return updateOrPost(step, () => call(step, 'PATCH', `${repo}/comments/${existing}`, { body }), post);
}

async function gitlabComment(step: Step, repository: GitHostRepository, sha: string, body: string, marker: string): Promise<DeliveryOutcome> {
  const project = `/projects/${gitlabProjectId(repository)}`;
  const requests = await call(step, 'GET', `${project}/repository/commits/${sha}/merge_requests`);
  if (isOutcome(requests)) return requests;
  const listed = jsonArray(requests);
  const open = listed.find((request) => field(request, 'state') === 'opened') ?? listed[0];
  const iid = positiveInteger(field(open, 'iid'));
  if (iid !== undefined) {
    const existing = await findInPages(step, `${project}/merge_requests/${iid}/notes`, (note) => {
      const text = field(note, 'body');
      return typeof text === 'string' && text.includes(marker) ? positiveInteger(field(note, 'id')) : undefined;
    });
    if (isDeliveryOutcome(existing)) return existing;
    const post = (): Promise<HttpResponse | DeliveryOutcome> => call(step, 'POST', `${project}/merge_requests/${iid}/notes`, { body });
    if (existing === undefined) {
      const posted = await post();
      return isOutcome(posted) ? posted : delivered(posted, `comment posted on merge request !${iid}`);
    }
    return updateOrPost(step, () => call(step, 'PUT', `${project}/merge_requests/${iid}/notes/${existing}`, { body }), post);
  }
  const existing = await findInPages(step, `${project}/repository/commits/${sha}/discussions`, (discussion) => {
    const id = field(discussion, 'id');
    const notes = field(discussion, 'notes');
    if (typeof id !== 'string' || !/^[0-9a-f]{1,64}$/.test(id) || !Array.isArray(notes)) return undefined;
    for (const note of notes) {
      const text = field(note, 'body');
      const noteId = positiveInteger(field(note, 'id'));
      if (typeof text === 'string' && text.includes(marker) && noteId !== undefined) return { discussion: id, note: noteId };
    }
    return undefined;
  });
  if (isDeliveryOutcome(existing)) return existing;
  const post = (): Promise<HttpResponse | DeliveryOutcome> => call(step, 'POST', `${project}/repository/commits/${sha}/discussions`, { body });
  if (existing === undefined) {
    const posted = await post();
    return isOutcome(posted) ? posted : delivered(posted, 'comment posted on the commit');
  }
  return updateOrPost(step, () => call(step, 'PUT', `${project}/repository/commits/${sha}/discussions/${existing.discussion}/notes/${existing.note}`, { body }), post);
}

export async function sendComment(config: ProviderConfig, event: NotificationEvent, http: HttpPost, now: number): Promise<DeliveryOutcome> {
  const kind = config.kind === 'github-comment' ? 'github' : config.kind === 'gitlab-comment' ? 'gitlab' : undefined;
  if (kind === undefined) return { result: 'dropped', reason: `${config.name}: ${config.kind} is not a comment provider` };
  if (!isCommitSha(event.revision)) return { result: 'skipped', reason: `revision ${shortRevision(event.revision).slice(0, 80)} is not a Git commit` };
  if (config.token === undefined || config.token === '') return { result: 'dropped', reason: `${config.kind} provider ${config.name}: no token is configured (Secret key "token")` };
  const repository = resolveRepository(config, kind, event.application.repoURL);
  if (typeof repository === 'string') return { result: 'dropped', reason: repository };
  const sha = event.revision.toLowerCase();
  const step: Step = {
    config,
    http,
    now,
    headers: authHeaders(kind, config, config.token),
    apiBase: repository.apiBase,
    what: `${config.kind} of ${config.name} on ${repository.segments.join('/')}@${shortRevision(sha)}`,
  };
  const body = commentBody(event);
  const marker = commentMarker(event);
  return kind === 'github' ? githubComment(step, repository, sha, body, marker) : gitlabComment(step, repository, sha, body, marker);
}
