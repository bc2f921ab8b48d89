/**
 * After a rollback, a pull (merge) request that reverts the bad commit, so Git
 * says again what the cluster runs (OpenGitOps; argo-cd #18072, #11713). Only
 * for a RolledBack event whose bad commit is still the head of the
 * Application's branch: when the branch has moved on, the newer commit is what
 * Berth deploys next and a revert would undo it. The revert is `git revert` of
 * that one commit, never a reset to the rollback target (in a monorepo that
 * would undo other teams' commits too). Idempotent: the branch is named after
 * the bad commit (`berth/revert-<sha7>`), and an existing branch or pull request
 * counts as done.
 *
 * Requests:
 *   GitHub  GET  /repos/{o}/{r}/branches/{branch}         the head must be the bad commit
 *           GET  /repos/{o}/{r}/git/commits/{sha}           its one parent
 *           GET  /repos/{o}/{r}/git/commits/{parent}        the parent's tree: the tree of the revert
 *           POST /repos/{o}/{r}/git/commits                 { message, tree, parents: [sha] }
 *           POST /repos/{o}/{r}/git/refs                    { ref: refs/heads/berth/revert-<sha7>, sha }
 *           POST /repos/{o}/{r}/pulls                       { title, head, base, body }
 *   GitLab  GET  /projects/:id/repository/branches/:branch
 *           POST /projects/:id/repository/branches          { branch, ref }
 *           POST /projects/:id/repository/commits/:sha/revert { branch }
 *           POST /projects/:id/merge_requests               { source_branch, target_branch, title, description }
 *
 * Not wired to a NotificationProvider type yet: the notification core calls it
 * for a RolledBack event when it offers the option.
 */
import { authHeaders } from './commit-status.ts';
import type { DeliveryOutcome, HttpPost, HttpResponse, NotificationEvent, ProviderConfig } from './event.ts';
import { type GitHostRepository, gitlabProjectId, isCommitSha, ownerRepoPath, resolveRepository } from './git-host.ts';
import { exchange, isOutcome, outcomeOfResponse, redactorFor } from './http-outcome.ts';
import { oneLine, shortRevision } from './message.ts';

/** A branch name Git and both hosts accept, and nothing that could be an option or a path trick. */
export function isBranchName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}$/.test(name) && !name.includes('..') && !name.includes('//') && !name.endsWith('/') && !name.endsWith('.lock') && !isCommitSha(name);
}

export function revertBranch(event: NotificationEvent): string {
  return `berth/revert-${shortRevision(event.revision)}`;
}

export function revertTitle(event: NotificationEvent): string {
  return oneLine(`Revert "${event.commit?.subject ?? shortRevision(event.revision)}"`, 200);
}

export function revertDescription(event: NotificationEvent): string {
  const target = event.previousRevision === undefined ? '' : ` and runs ${shortRevision(event.previousRevision)} again`;
  return [
    `Berth rolled ${event.application.namespace}/${event.application.name} back from ${event.revision}${target}:`,
    '',
    `> ${oneLine(event.reason)}`,
    '',
    `This reverts commit ${event.revision}, so the branch says again what the cluster runs.`,
    `Berth does not apply ${shortRevision(event.revision)} again until a new commit arrives.`,
  ].join('\n');
}

interface Call {
  (method: 'GET' | 'POST', path: string, body?: unknown): Promise<HttpResponse | DeliveryOutcome>;
}

function caller(config: ProviderConfig, http: HttpPost, now: number, headers: Record<string, string>, apiBase: string, what: string): Call {
  return async (method, path, body) => {
    const label = `${what}: ${method} ${path}`;
    const response = await exchange(http, {
      method,
      url: `${apiBase}${path}`,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }, config, label);
    if (isOutcome(response) || (response.status >= 200 && response.status < 300)) return response;
    return outcomeOfResponse(response, label, redactorFor(config), now);
  };
}

function parsed(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    return undefined;
  }
}

function pick(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

type Dropped = Extract<DeliveryOutcome, { result: 'dropped' }>;

/** A 422 from GitHub / 400 or 409 from GitLab that says the thing exists already. */
function alreadyThere(outcome: DeliveryOutcome): outcome is Dropped {
  return outcome.result === 'dropped' && (outcome.status === 422 || outcome.status === 409 || outcome.status === 400) && /already exists/i.test(outcome.reason);
}

function existed(outcome: Dropped, what: string): DeliveryOutcome {
  return { result: 'delivered', status: outcome.status ?? 422, detail: `the revert ${what} exists already` };
}

async function headIsBad(call: Call, path: string, sha: string, idAt: string[]): Promise<DeliveryOutcome | undefined> {
  const branch = await call('GET', path);
  if (isOutcome(branch)) return branch;
  const head = pick(parsed(branch), ...idAt);
  if (typeof head !== 'string' || head.toLowerCase() !== sha) return { result: 'skipped', reason: `the branch has moved on from ${shortRevision(sha)}; the newer commit is deployed next, nothing to revert` };
  return undefined;
}

async function githubRevert(call: Call, repository: GitHostRepository, event: NotificationEvent, branch: string): Promise<DeliveryOutcome> {
  const repo = `/repos/${ownerRepoPath(repository)}`;
  const sha = event.revision.toLowerCase();
  const moved = await headIsBad(call, `${repo}/branches/${encodeURIComponent(branch)}`, sha, ['commit', 'sha']);
  if (moved) return moved;
  const bad = await call('GET', `${repo}/git/commits/${sha}`);
  if (isOutcome(bad)) return bad;
  const parents = pick(parsed(bad), 'parents');
  const parent = Array.isArray(parents) && parents.length === 1 ? pick(parents[0], 'sha') : undefined;
  if (typeof parent !== 'string' || !isCommitSha(parent)) return { result: 'dropped', reason: `${shortRevision(sha)} is a merge or root commit; Berth reverts only single-parent commits` };
  const parentCommit = await call('GET', `${repo}/git/commits/${parent}`);
  if (isOutcome(parentCommit)) return parentCommit;
  const tree = pick(parsed(parentCommit), 'tree', 'sha');
  if (typeof tree !== 'string' || !isCommitSha(tree)) return { result: 'dropped', reason: `GitHub gave no tree for ${shortRevision(parent)}` };
  const head = revertBranch(event);
  const created = await call('POST', `${repo}/git/commits`, { message: `${revertTitle(event)}\n\n${revertDescription(event)}`, tree, parents: [sha] });
  if (isOutcome(created)) return created;
  const revert = pick(parsed(created), 'sha');
  if (typeof revert !== 'string' || !isCommitSha(revert)) return { result: 'dropped', reason: 'GitHub created the revert commit but named no SHA' };
  const ref = await call('POST', `${repo}/git/refs`, { ref: `refs/heads/${head}`, sha: revert });
  if (isOutcome(ref) && !alreadyThere(ref)) return ref;
  const pull = await call('POST', `${repo}/pulls`, { title: revertTitle(event), head, base: branch, body: revertDescription(event) });
  if (isOutcome(pull)) return alreadyThere(pull) ? existed(pull, 'pull request') : pull;
  return { result: 'delivered', status: pull.status, detail: `revert pull request #${String(pick(parsed(pull), 'number'))} opened` };
}

async function gitlabRevert(call: Call, repository: GitHostRepository, event: NotificationEvent, branch: string): Promise<DeliveryOutcome> {
  const project = `/projects/${gitlabProjectId(repository)}`;
  const sha = event.revision.toLowerCase();
  const moved = await headIsBad(call, `${project}/repository/branches/${encodeURIComponent(branch)}`, sha, ['commit', 'id']);
  if (moved) return moved;
  const source = revertBranch(event);
  const created = await call('POST', `${project}/repository/branches`, { branch: source, ref: branch });
  if (isOutcome(created) && !alreadyThere(created)) return created;
  if (!isOutcome(created)) {
    const reverted = await call('POST', `${project}/repository/commits/${sha}/revert`, { branch: source });
    if (isOutcome(reverted)) return reverted;
  }
  const request = await call('POST', `${project}/merge_requests`, { source_branch: source, target_branch: branch, title: revertTitle(event), description: revertDescription(event), remove_source_branch: true });
  if (isOutcome(request)) return alreadyThere(request) ? existed(request, 'merge request') : request;
  return { result: 'delivered', status: request.status, detail: `revert merge request !${String(pick(parsed(request), 'iid'))} opened` };
}

export async function openRevertPullRequest(config: ProviderConfig, event: NotificationEvent, http: HttpPost, now: number = Date.now()): Promise<DeliveryOutcome> {
  const kind = config.kind === 'github' || config.kind === 'github-comment' ? 'github' : config.kind === 'gitlab' || config.kind === 'gitlab-comment' ? 'gitlab' : undefined;
  if (kind === undefined) return { result: 'dropped', reason: `${config.name}: revert pull requests are opened on GitHub and GitLab only, not ${config.kind}` };
  if (event.type !== 'RolledBack') return { result: 'skipped', reason: `${event.type} is not a rollback` };
  if (!isCommitSha(event.revision)) return { result: 'skipped', reason: `revision ${oneLine(event.revision, 80)} is not a Git commit` };
  const branch = event.application.targetRevision;
  if (branch === undefined || !isBranchName(branch)) return { result: 'skipped', reason: 'the Application does not track a branch by name; there is no branch to revert on' };
  if (config.token === undefined || config.token === '') return { result: 'dropped', reason: `${config.kind} provider ${config.name}: no token is configured (Secret key "token")` };
  const repository = resolveRepository(config, kind, event.application.repoURL);
  if (typeof repository === 'string') return { result: 'dropped', reason: repository };
  const call = caller(config, http, now, authHeaders(kind, config, config.token), repository.apiBase, `${kind} revert of ${shortRevision(event.revision)} on ${repository.segments.join('/')}`);
  return kind === 'github' ? githubRevert(call, repository, event, branch) : gitlabRevert(call, repository, event, branch);
}
