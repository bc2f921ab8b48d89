/**
 * What one reconcile does, decided in one place: a pure function from what
 * was observed (the release record, the target revision and what is known
 * about it, the drift of the running revision, the trigger, the Application's
 * policy) to exactly one action. Actions are carried out by actions/*; every
 * one that moves the release goes through the state machine
 * (sync/rollback-state.ts), which alone writes the record.
 *
 * Promises (tested as a table in decide.test.ts):
 * - a dry run writes nothing; a person's sync or rollback is always carried out;
 * - an Application without an automated policy only reports, unless a rollout a
 *   person started is being followed (recheck);
 * - an automatic trigger never deploys a commit from an unrelated history, nor
 *   re-applies a revision that failed until the tracked ref moves;
 * - a commit that changes nothing of the Application is adopted, not synced;
 * - drift of the running revision is healed only with selfHeal, also after a
 *   failed rollout with nothing to roll back to (Degraded), and never while a
 *   rollout is followed (record.ts still reports it then);
 * - a retry is never carried out before the time its backoff gave;
 * - an automatic sync or adoption of a revision not in hand waits while a
 *   dependency (spec.dependsOn) is not Healthy at its current revision, and is
 *   refused for a dependency cycle; both are reports, never failures. A person's
 *   sync, a rollout in flight and a heal of the running revision do not wait.
 */
import type { ReleaseRecord } from '../../../sync/index.ts';
import type { Trigger } from './trigger.ts';

export const reportReasons = {
  /** No automated sync policy: drift is reported, nothing is synced. */
  ManualOnly: 'ManualOnly',
  /** The target runs, Healthy and in sync. */
  UpToDate: 'UpToDate',
  /** The target runs and has drifted; self-heal is off. */
  DriftReported: 'DriftReported',
  /** A sync or rollout is under way and nothing is due yet. */
  InProgress: 'InProgress',
  /** The target failed before; it is not applied again until the tracked ref moves. */
  BadRevisionHeld: 'BadRevisionHeld',
  /** The target's sync failed on every attempt its retry policy allowed. */
  RetryExhausted: 'RetryExhausted',
  /** A rollback failed: only a person (a manual sync, a new commit) moves it on. */
  Stalled: 'Stalled',
  /** A dependency (spec.dependsOn) is not Healthy at its current revision yet. */
  WaitingForDependencies: 'WaitingForDependencies',
  /** spec.dependsOn leads back to this Application. */
  DependencyCycle: 'DependencyCycle',
} as const;
export type ReportReason = (typeof reportReasons)[keyof typeof reportReasons];

export type ReconcileAction =
  /** Plan and dry-run the sync of `revision` on the server; persist nothing. */
  | { kind: 'dryRun'; revision: string }
  /** A new revision, or a person's sync: through the state machine's NewRevision. */
  | { kind: 'sync'; revision: string; initiator: 'auto' | 'webhook' | 'manual' }
  /** A person's rollback to `revision`, a commit from history. */
  | { kind: 'rollback'; revision: string }
  /** An automatic sync of a commit from an unrelated history: recorded as a failed render, nothing applied or pruned. */
  | { kind: 'refuse'; revision: string; message: string }
  /** Carry on with the release in flight: check its rollout, or make the retry that is due. */
  | { kind: 'continue' }
  /** Re-apply the running `revision`, which drifted. */
  | { kind: 'heal'; revision: string }
  /** Record `revision`, which changes nothing of this Application, as running. */
  | { kind: 'adopt'; revision: string }
  | { kind: 'report'; reason: ReportReason };

export interface DecisionInput {
  record: Pick<ReleaseRecord, 'state' | 'appliedRevision' | 'retry'>;
  target: {
    revision: string;
    /** Why an automatic sync must not deploy it (it shares no history with the deployed commit); only asked when it matters. */
    unrelatedHistory: string | undefined;
    /** Its commits change nothing this Application renders from (the changed-path filter). */
    pathsUntouched: boolean;
  };
  /** The drift of the running revision; undefined when not checked (see `needsDriftToDecide`). */
  drift: 'Synced' | 'OutOfSync' | 'Unknown' | undefined;
  trigger: Pick<Trigger, 'kind' | 'automatic' | 'initiator'>;
  policy: { automated: boolean; selfHeal: boolean };
  /** Whether spec.dependsOn lets it sync (src/dependencies/readiness.ts); undefined: it depends on nothing. */
  dependencies?: { kind: 'ready' | 'waiting' | 'cycle' } | undefined;
  /** Epoch milliseconds. */
  now: number;
}

type Release = DecisionInput['record'];

/** A release whose sync or rollout is under way. */
export function isInFlight(record: Release): boolean {
  return record.state.status === 'Syncing' || record.state.status === 'Progressing';
}

/** The target's objects are the ones running and written (Healthy, or Degraded after its sync or rollout failed). */
export function runsTarget(record: Release, revision: string): boolean {
  const { state } = record;
  if (record.appliedRevision !== revision || state.revision !== revision) return false;
  return state.status === 'Healthy' || (state.status === 'Degraded' && (state.reason === 'SyncFailed' || state.reason === 'RolloutFailed'));
}

/** Whether the decision depends on the drift of the running revision: only where it may heal. */
export function needsDriftToDecide(input: Omit<DecisionInput, 'drift'>): boolean {
  const { record, target, trigger, policy } = input;
  return trigger.automatic && policy.automated && policy.selfHeal && !isInFlight(record) && runsTarget(record, target.revision);
}

export function decide(input: DecisionInput): ReconcileAction {
  const { record, target, trigger, policy, drift, now } = input;
  const { state } = record;
  if (trigger.kind === 'dryRun') return { kind: 'dryRun', revision: target.revision };
  if (trigger.kind === 'manualRollback') return { kind: 'rollback', revision: target.revision };
  if (trigger.kind === 'manualSync') return { kind: 'sync', revision: target.revision, initiator: 'manual' };
  // A recheck follows a release already decided (a person's sync included), whatever the policy.
  if (trigger.kind === 'recheck') {
    if (!isInFlight(record)) return { kind: 'report', reason: policy.automated ? reportReasons.UpToDate : reportReasons.ManualOnly };
    const retryDue = state.status !== 'Syncing' || record.retry === undefined || record.retry.nextAttemptAt <= now;
    return retryDue ? { kind: 'continue' } : { kind: 'report', reason: reportReasons.InProgress };
  }
  if (!policy.automated) return { kind: 'report', reason: reportReasons.ManualOnly };

  if (target.revision === state.failedRevision) {
    if (drift === 'OutOfSync' && policy.selfHeal && runsTarget(record, target.revision)) return { kind: 'heal', revision: target.revision };
    if (state.status === 'Stalled') return { kind: 'report', reason: reportReasons.Stalled };
    const exhausted = state.status === 'Degraded' && state.reason === 'SyncFailed' && record.retry !== undefined;
    return { kind: 'report', reason: exhausted ? reportReasons.RetryExhausted : reportReasons.BadRevisionHeld };
  }
  if (target.revision === state.revision && state.status !== 'Idle' && state.status !== 'Stalled' && state.status !== 'Degraded') {
    if (isInFlight(record)) return { kind: 'report', reason: reportReasons.InProgress };
    if (drift === 'OutOfSync') return policy.selfHeal ? { kind: 'heal', revision: target.revision } : { kind: 'report', reason: reportReasons.DriftReported };
    return { kind: 'report', reason: reportReasons.UpToDate };
  }
  // A revision the release does not have in hand.
  if (input.dependencies?.kind === 'cycle') return { kind: 'report', reason: reportReasons.DependencyCycle };
  if (input.dependencies?.kind === 'waiting') return { kind: 'report', reason: reportReasons.WaitingForDependencies };
  if (target.unrelatedHistory !== undefined) return { kind: 'refuse', revision: target.revision, message: target.unrelatedHistory };
  if (target.pathsUntouched && state.status === 'Healthy' && record.appliedRevision !== undefined) return { kind: 'adopt', revision: target.revision };
  return { kind: 'sync', revision: target.revision, initiator: trigger.initiator };
}
