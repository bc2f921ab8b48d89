/**
 * Commit status on GitHub, GitLab, Gitea/Forgejo and Bitbucket Cloud: pending
 * while Berth syncs and rolls out, success when Healthy, failure when the sync
 * failed, the rollout degraded or the revision was rolled back. The status goes
 * on the event's `revision` only; a RolledBack event's revision is the bad
 * commit, so the rollback target keeps the success it got when it was Healthy.
 * One status context per Application (`berth/<namespace>/<name>`), so several
 * Applications deploying one commit do not overwrite each other.
 */
import { createHash } from 'node:crypto';
import type { DeliveryOutcome, HttpPost, NotificationEvent, NotificationEventType, ProviderConfig } from './event.ts';
import { type GitHostKind, type GitHostRepository, gitlabProjectId, isCommitSha, ownerRepoPath, resolveRepository } from './git-host.ts';
import { exchange, isOutcome, outcomeOfResponse, redactorFor } from './http-outcome.ts';
import { oneLine, primaryLink, shortRevision } from './message.ts';

/** Berth's view of a commit, before each host's spelling of it. */
export type CommitState = 'pending' | 'running' | 'success' | 'failure';

/** The decision table: which state an event puts on its revision; none for events that say nothing about the commit. */
export const commitStateOf: Record<NotificationEventType, CommitState | undefined> = {
  SyncStarted: 'pending',
  Synced: 'running',
  Healthy: 'success',
  SyncFailed: 'failure',
  Degraded: 'failure',
  RolledBack: 'failure',
  RollbackFailed: 'failure',
  HeldBack: 'failure',
  // Drift and a stalled reconcile are about the cluster, not the commit: a
  // Healthy commit (a rollback target, say) keeps its success.
  DriftDetected: undefined,
  DriftHealed: undefined,
  Stalled: undefined,
};

const hostState: Record<GitHostKind, Record<CommitState, string>> = {
  github: { pending: 'pending', running: 'pending', success: 'success', failure: 'failure' },
  gitlab: { pending: 'pending', running: 'running', success: 'success', failure: 'failed' },
  gitea: { pending: 'pending', running: 'pending', success: 'success', failure: 'failure' },
  bitbucket: { pending: 'INPROGRESS', running: 'INPROGRESS', success: 'SUCCESSFUL', failure: 'FAILED' },
};

/** GitHub refuses descriptions over 140 characters; the others take more, one length keeps them alike. */
const maxDescription = 140;

export function statusDescription(event: NotificationEvent): string {
  const previous = event.previousRevision === undefined ? '' : shortRevision(event.previousRevision);
  const why = oneLine(event.reason, maxDescription);
  const saying = (label: string): string => (why === '' ? label : `${label}: ${why}`);
  const text = (() => {
    switch (event.type) {
      case 'SyncStarted': return 'Berth is syncing';
      case 'Synced': return 'Applied; rolling out';
      case 'Healthy': return 'Healthy';
      case 'SyncFailed': return saying('Sync failed');
      case 'Degraded': return saying('Degraded');
      case 'RolledBack': return saying(`Rolled back${previous === '' ? '' : ` to ${previous}`}`);
      case 'RollbackFailed': return saying('Rollback failed');
      case 'HeldBack': return saying('Held back (not re-applied)');
      default: return why;
    }
  })();
  return oneLine(text, maxDescription);
}

export function statusContext(event: NotificationEvent): string {
  return `berth/${event.application.namespace}/${event.application.name}`;
}

export function hostKindOf(kind: ProviderConfig['kind']): GitHostKind | undefined {
  switch (kind) {
    case 'github': case 'github-comment': return 'github';
    case 'gitlab': case 'gitlab-comment': return 'gitlab';
    case 'gitea': case 'forgejo': return 'gitea';
    case 'bitbucket': return 'bitbucket';
    default: return undefined;
  }
}

/** Authentication headers of each host's REST API. */
export function authHeaders(kind: GitHostKind, config: ProviderConfig, token: string): Record<string, string> {
  switch (kind) {
    case 'github':
      return { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'berth' };
    case 'gitlab':
      return { 'private-token': token };
    case 'gitea':
      return { authorization: `token ${token}`, accept: 'application/json' };
    case 'bitbucket': {
      const user = config.options?.tokenUsername;
      return {
        authorization: user === undefined ? `Bearer ${token}` : `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`,
        accept: 'application/json',
      };
    }
  }
}

interface StatusRequest {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export function statusRequest(kind: GitHostKind, repository: GitHostRepository, event: NotificationEvent, state: CommitState): StatusRequest {
  const sha = event.revision.toLowerCase();
  const description = statusDescription(event);
  const context = statusContext(event);
  const link = primaryLink(event);
  switch (kind) {
    case 'github':
    case 'gitea':
      return {
        path: `/repos/${ownerRepoPath(repository)}/statuses/${sha}`,
        body: { state: hostState[kind][state], description, context, ...(link === undefined ? {} : { target_url: link }) },
      };
    case 'gitlab':
      return {
        path: `/projects/${gitlabProjectId(repository)}/statuses/${sha}`,
        body: { state: hostState.gitlab[state], name: context, description, ...(link === undefined ? {} : { target_url: link }) },
      };
    case 'bitbucket':
      return {
        path: `/repositories/${ownerRepoPath(repository)}/commit/${sha}/statuses/build`,
        body: {
          // Bitbucket keys are short identifiers; the readable context goes in `name`.
          key: `berth-${createHash('sha256').update(context).digest('hex').slice(0, 24)}`,
          state: hostState.bitbucket[state],
          name: context,
          description,
          // Required by Bitbucket; the commit page when no console is configured.
          url: link ?? `${repository.webBase}/${ownerRepoPath(repository)}/commits/${sha}`,
        },
      };
  }
}

export async function sendCommitStatus(config: ProviderConfig, event: NotificationEvent, http: HttpPost, now: number): Promise<DeliveryOutcome> {
  const kind = hostKindOf(config.kind);
  if (kind === undefined) return { result: 'dropped', reason: `${config.name}: ${config.kind} is not a commit status provider` };
  const state = commitStateOf[event.type];
  if (state === undefined) return { result: 'skipped', reason: `${event.type} says nothing about the commit` };
  if (!isCommitSha(event.revision)) return { result: 'skipped', reason: `revision ${oneLine(event.revision, 80)} is not a Git commit` };
  if (config.token === undefined || config.token === '') return { result: 'dropped', reason: `${config.kind} provider ${config.name}: no token is configured (Secret key "token")` };
  const repository = resolveRepository(config, kind, event.application.repoURL);
  if (typeof repository === 'string') return { result: 'dropped', reason: repository };
  const request = statusRequest(kind, repository, event, state);
  const what = `${config.kind} commit status of ${config.name} on ${repository.segments.join('/')}@${shortRevision(event.revision)}`;
  const response = await exchange(http, {
    method: 'POST',
    url: `${repository.apiBase}${request.path}`,
    headers: { ...authHeaders(kind, config, config.token), 'content-type': 'application/json' },
    body: JSON.stringify(request.body),
  }, config, what);
  if (isOutcome(response)) return response;
  // GitLab refuses to set the state a commit status already has ("Cannot transition status via :run from :running").
  if (kind === 'gitlab' && response.status === 400 && /Cannot transition status/i.test(response.body)) {
    return { result: 'delivered', status: response.status, detail: `already ${hostState.gitlab[state]}` };
  }
  return outcomeOfResponse(response, what, redactorFor(config), now);
}
