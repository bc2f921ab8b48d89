/**
 * The record step of a reconcile: persist the release record an action
 * returned (the store writes nothing when it did not change), check drift for
 * the status when the observe step did not or an action wrote since (also while
 * a rollout is followed: drift is reported whatever the release's state), and
 * publish status, history and Events from that one picture. Returns when to
 * look again while a release is in flight, so waiting never holds a worker.
 */
import { refKey, type ObjectRef } from '../../../objects.ts';
import type { Health, HealthRuleSet } from '../../../health/index.ts';
import { observeRollout, recheckOf, type ClusterClient, type ReleaseRecord, type ReleaseStep } from '../../../sync/index.ts';
import { nextCompletedJobs } from '../../../sync/completed-jobs.ts';
import type { ReconcileOutcome } from '../../queue/reconcile-job.ts';
import type { DriftMemo } from '../drift-memo.ts';
import { buildStatus } from '../status-report.ts';
import type { ReconcileAction } from './decide.ts';
import { checkTargetDrift, type Observed, type ObservedDrift } from './observe.ts';
import { tellDrift, tellTransitions } from './notify-transitions.ts';

async function liveHealth(cluster: ClusterClient, refs: readonly ObjectRef[], rules: HealthRuleSet): Promise<Map<string, { ref: ObjectRef; health: Health | undefined }>> {
  const observed = await observeRollout(cluster, refs, 16, rules);
  return new Map(observed.map(({ ref, health }) => [refKey(ref), { ref, health }]));
}

/**
 * Remembers the desired Jobs seen complete and in sync (issue 21: a Job its TTL
 * deleted after it completed is not drift, and is not run again until its spec
 * changes). An observation, not a release step: the state machine's fields are
 * left as they are, and nothing is written when nothing changed.
 */
async function rememberCompletedJobs(observed: Observed, record: ReleaseRecord, drift: Extract<ObservedDrift, { recalled: false }>, health: Map<string, { ref: ObjectRef; health: Health | undefined }>): Promise<ReleaseRecord> {
  if (drift.jobs.length === 0 && !record.completedJobs?.length) return record;
  const synced = new Set(drift.result.objects.filter((object) => object.status === 'Synced').map((object) => refKey(object.ref)));
  const jobs = drift.jobs.map((job) => {
    const key = refKey({ group: 'batch', version: 'v1', kind: 'Job', namespace: job.namespace, name: job.name });
    return { ...job, complete: synced.has(key) && health.get(key)?.health?.status === 'Healthy' };
  });
  const completedJobs = nextCompletedJobs(record.completedJobs, jobs, observed.target.commit);
  if (completedJobs === undefined) return record;
  const next = { ...record, completedJobs };
  await observed.deps.releases.save(observed.app.application.metadata, next);
  return next;
}

export async function recordOutcome(observed: Observed, action: ReconcileAction, step: ReleaseStep | undefined, memo: DriftMemo, now: Date): Promise<ReconcileOutcome> {
  const { app, deps, log, target, reads } = observed;
  let record = step?.record ?? observed.record;
  // Told before the save: a step cut off in between is told again, and the notification queue sends once.
  await tellTransitions(observed, action, step);
  if (step) await deps.releases.save(app.application.metadata, record);
  const recheckAt = step ? step.recheckAt : recheckOf(record, now.getTime());

  // Checked at every reconcile, a rollout in flight included (issue 21: a Service deleted during
  // a 5-minute health timeout went unreported); reused from the observe step when nothing was done
  // since. Only a heal waits for the rollout to settle (decide.ts).
  const acted = (step?.result.actions.length ?? 0) > 0;
  let drift: ObservedDrift | undefined = acted ? undefined : observed.drift;
  let error: string | undefined;
  if (drift === undefined) {
    const settled = !acted && recheckAt === undefined && record.state.status === 'Healthy' && record.appliedRevision === target.commit;
    try {
      drift = await checkTargetDrift({ ...observed, record }, memo, now, settled);
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
      log.warn({ err: error }, 'drift check failed');
    }
  }

  const health = await liveHealth(reads, record.inventory.entries, observed.healthRules);
  // Dependants wait on this release through the queue, never by polling: a move of it is their trigger.
  const before = observed.record;
  const moved = before.state.status !== record.state.status || before.state.revision !== record.state.revision || before.appliedRevision !== record.appliedRevision;
  if (moved) await deps.enqueueDependants?.(app.key);
  if (drift?.recalled === false) record = await rememberCompletedJobs(observed, record, drift, health);
  const fresh = drift?.recalled === false ? drift.result : undefined;
  await tellDrift(observed, record, drift?.result);
  await deps.status.publish(app, buildStatus({ application: app.application, record, drift: drift?.result, health, error, now, dependencies: observed.dependencies }), step?.result, { drift: fresh, revision: target.commit });
  log.info({
    revision: target.commit, action: action.kind, ...(action.kind === 'report' ? { why: action.reason } : {}),
    state: record.state.status, sync: drift?.result.status, recheckAt, ...(drift?.recalled ? { driftCheck: 'reused' } : {}),
  }, 'reconciled');
  return recheckAt ? { recheckAt } : {};
}
