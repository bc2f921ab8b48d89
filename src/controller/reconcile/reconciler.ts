/**
 * One reconcile of one Application, as a queue job runs it:
 *   observe (observe.ts: record, trigger, target commit, what decide needs)
 *   -> decide (decide.ts: a pure function, one action)
 *   -> act (actions/: one file per action; each that moves the release goes
 *      through the state machine, which alone writes the record)
 *   -> record (record.ts: persist, drift for the status, status and Events).
 * It returns when to look again while a release is in flight, so waiting
 * never holds a worker. Invalid input (a bad spec, an SSH URL, a release record
 * that fails validation) is reported in status and fails the job without
 * retry; cluster and network trouble is thrown and retried by the queue.
 */
import { TransientSyncError, UnrecoverableSyncError, type ReleaseStep } from '../../../sync/index.ts';
import type { ReconcileFunction, ReconcileOutcome } from '../../queue/reconcile-job.ts';
import { createDriftMemo } from '../drift-memo.ts';
import { adoptUnchanged } from './actions/adopt-unchanged.ts';
import { continueRelease } from './actions/continue-release.ts';
import { dryRun } from './actions/dry-run.ts';
import { healDrift } from './actions/heal-drift.ts';
import { refuseRevision } from './actions/refuse-revision.ts';
import { rollBack } from './actions/roll-back.ts';
import { syncRevision } from './actions/sync-revision.ts';
import { decide, type ReconcileAction } from './decide.ts';
import { observe, type Observed } from './observe.ts';
import type { ReconcilerDeps } from './deps.ts';
import { recordOutcome } from './record.ts';
import { reportStopped } from './observe.ts';

export type { ReconcilerDeps } from './deps.ts';

/** Carries out the one action; a report does nothing. */
async function act(observed: Observed, action: Exclude<ReconcileAction, { kind: 'dryRun' }>, now: Date): Promise<ReleaseStep | undefined> {
  switch (action.kind) {
    case 'sync': return syncRevision(observed, action.revision, action.initiator, now);
    case 'rollback': return rollBack(observed, action.revision, now);
    case 'refuse': return refuseRevision(observed, action.revision, action.message, now);
    case 'continue': return continueRelease(observed, now);
    case 'heal': return healDrift(observed, action.revision, now);
    case 'adopt': return adoptUnchanged(observed, action.revision, now);
    case 'report': return undefined;
  }
}

export function createReconciler(deps: ReconcilerDeps): ReconcileFunction {
  const now = deps.now ?? (() => new Date());
  const memo = deps.driftMemo ?? createDriftMemo();

  const reconcileOn = async (on: ReconcilerDeps, job: Parameters<ReconcileFunction>[0], context: Parameters<ReconcileFunction>[1]): Promise<ReconcileOutcome> => {
    const observed = await observe(on, job, context, memo, now());
    if (!observed) return {};
    const action = decide(observed.decision);
    if (action.kind === 'dryRun') {
      const report = await dryRun(observed, now);
      await observed.deps.status.operation(job.app, report);
      observed.log.info({ revision: action.revision, phase: report.phase, changes: report.summary }, report.message);
      return {};
    }
    const step = await act(observed, action, now());
    if (action.kind === 'heal') observed.log.info({ revision: action.revision }, 'self-heal: drift corrected');
    if (action.kind === 'adopt' && step?.result.actions.length) observed.log.info({ revision: action.revision }, 'commit leaves this Application untouched: adopted without a sync');
    return recordOutcome(observed, action, step, memo, now());
  };

  return async (job, context): Promise<ReconcileOutcome> => {
    const registered = deps.registry.get(job.app);
    if (!registered?.valid || !deps.destination) return reconcileOn(deps, job, context);
    // The destination cluster first: one that is down or busy costs this worker nothing but this check.
    const destination = await deps.destination(registered);
    if (destination.kind === 'refused') {
      await reportStopped(deps, registered, destination.message, now());
      throw new UnrecoverableSyncError('InvalidManifests', [destination.message]);
    }
    if (destination.kind === 'wait') {
      if (destination.message !== undefined) await reportStopped(deps, registered, destination.message, now());
      // Retried by the queue with its backoff, trigger and operation kept.
      throw new TransientSyncError(destination.message ?? `cluster ${destination.cluster} has its share of workers; retrying`);
    }
    try {
      return await reconcileOn({ ...deps, cluster: destination.client, clusterFor: undefined, destinationUnavailable: () => destination.unavailable() }, job, context);
    } finally {
      destination.release();
    }
  };
}
