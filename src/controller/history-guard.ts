/**
 * The guard against a branch force-pushed to an unrelated history (issue #9):
 * an automatic sync (poll, webhook, watch, startup) refuses a commit that shares
 * no history with the one deployed, so a wrong push to the tracked branch does
 * not replace, and prune, everything that runs. A force push that rewrites
 * recent commits still shares an ancestor and is deployed, as Argo CD and Flux
 * do; a person asking for a sync (an API operation) accepts anything.
 *
 * Which triggers are automatic is reconcile/trigger.ts's to say. The pure part
 * here decides when to ask and what to say; GitSource.sharesHistory
 * answers the question, and an unknown answer never blocks.
 */
export interface HistoryCheck {
  repositoryURL: string;
  targetRevision: string;
  /** The release record's appliedRevision: the commit deployed now. */
  applied: string | undefined;
  /** The commit the tracked ref resolves to now. */
  target: string;
  /** `namespace/name`, for the command a person can run to accept the commit. */
  app: string;
}

/** Whether the target needs the (possibly costly) history check at all: only when it moved off the deployed commit. */
export function needsHistoryCheck(check: Pick<HistoryCheck, 'applied' | 'target'>): check is Pick<HistoryCheck, 'target'> & { applied: string } {
  return check.applied !== undefined && check.applied !== check.target;
}

/** The refusal to report when `related` is false; undefined (related, or unknown) lets the commit through. */
export function unrelatedHistoryRefusal(check: HistoryCheck, related: boolean | undefined): string | undefined {
  if (related !== false || check.applied === undefined) return undefined;
  const [namespace = 'default', name = check.app] = check.app.includes('/') ? check.app.split('/', 2) : [undefined, check.app];
  return `${check.repositoryURL}@${check.targetRevision}: commit ${check.target} shares no history with the deployed commit ${check.applied}`
    + ' (the branch was force-pushed to an unrelated history?); an automatic sync does not deploy it'
    + ` and keeps ${check.applied.slice(0, 12)} running; a manual sync accepts it:`
    + ` berth sync ${namespace}/${name}, or POST /api/v1/namespaces/${namespace}/applications/${name}/sync`;
}
