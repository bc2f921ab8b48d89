/**
 * The release state machine of one Application: which revision is being
 * applied, whether its rollout worked, and when to roll back to the last healthy
 * revision. `transition(state, event)` is pure and total: it returns the next
 * state and at most one action for the caller to carry out; the outcome of that
 * action comes back as the next event.
 *
 * Promises (tested as rows and with long random event sequences):
 * - a revision that failed is recorded as `failedRevision` and is not applied
 *   again automatically until the tracked ref reports another commit;
 * - a failed rollout (or apply) rolls back once, to `lastHealthyRevision`, when
 *   rollback is on and there is one; a rollback that fails ends in Stalled, with
 *   no further attempt; with no healthy revision to return to it ends Degraded;
 * - so between two moves of the tracked ref there are at most two writes: the
 *   sync of the new revision and one rollback. Never a loop.
 * - Outcome events that do not match the current attempt (late, duplicated)
 *   change nothing.
 * - Drift and "this commit touches nothing of mine" are events too, so the
 *   machine alone moves the release: `DriftDetected` asks for a heal (a re-apply
 *   of the running revision, never a new one) when self-heal is on and the
 *   revision's objects were applied (Healthy, or Degraded after its sync or
 *   rollout failed: the desired state is still Git's); `RevisionUnchanged`
 *   adopts the new commit as running and healthy, from Healthy only.
 */

export const releaseStatuses = {
  Idle: 'Idle',
  Syncing: 'Syncing',
  Progressing: 'Progressing',
  Healthy: 'Healthy',
  Degraded: 'Degraded',
  Stalled: 'Stalled',
} as const;
export type ReleaseStatus = (typeof releaseStatuses)[keyof typeof releaseStatuses];

export const releaseReasons = {
  NoRevision: 'NoRevision',
  NewRevision: 'NewRevision',
  ManualSync: 'ManualSync',
  RollbackStarted: 'RollbackStarted',
  Applied: 'Applied',
  RolloutSucceeded: 'RolloutSucceeded',
  RolledBack: 'RolledBack',
  RenderFailed: 'RenderFailed',
  SyncFailed: 'SyncFailed',
  RolloutFailed: 'RolloutFailed',
  RollbackFailed: 'RollbackFailed',
} as const;
export type ReleaseReason = (typeof releaseReasons)[keyof typeof releaseReasons];

export const initiators = { auto: 'auto', webhook: 'webhook', manual: 'manual', rollback: 'rollback' } as const;
export type Initiator = (typeof initiators)[keyof typeof initiators];

export interface ReleaseState {
  status: ReleaseStatus;
  reason: ReleaseReason;
  message: string;
  /** The revision the status is about: being applied, rolling out, running, or failed. */
  revision: string | undefined;
  /** How the attempt at `revision` started; `rollback` makes its failure final (Stalled). */
  initiator: Initiator | undefined;
  lastHealthyRevision: string | undefined;
  /** Not applied again automatically until the tracked ref reports another commit. */
  failedRevision: string | undefined;
}

export type ReleaseEvent =
  /** The tracked ref resolved to `revision` (a poll, a webhook), or a person asked for a sync. */
  | { type: 'NewRevision'; revision: string; initiator: 'auto' | 'webhook' | 'manual' }
  | { type: 'RenderFailed'; revision: string; message: string }
  | { type: 'SyncSucceeded'; revision: string }
  | { type: 'SyncFailed'; revision: string; message: string }
  | { type: 'RolloutHealthy'; revision: string }
  | { type: 'RolloutFailed'; revision: string; message: string }
  /** The live objects of `revision`, the running one, differ from what it renders (someone changed them). */
  | { type: 'DriftDetected'; revision: string }
  /** The tracked ref moved to `revision`, whose commits change nothing this Application renders from. */
  | { type: 'RevisionUnchanged'; revision: string; message: string };

export type ReleaseAction =
  | { kind: 'none' }
  /** Render `revision` and sync it. */
  | { kind: 'sync'; revision: string; initiator: 'auto' | 'webhook' | 'manual' }
  /** Follow the rollout of `revision` with `checkRollout` until it is healthy or failed. */
  | { kind: 'checkRollout'; revision: string }
  /** Re-render `revision` (the last healthy one) from Git and sync it; `failedRevision` is what failed. */
  | { kind: 'rollback'; revision: string; failedRevision: string }
  /** Re-apply `revision`, the running one, to correct drift; the release's state does not move. */
  | { kind: 'heal'; revision: string }
  /** Record `revision` as applied without writing to the cluster: its objects are the running ones. */
  | { kind: 'adopt'; revision: string };

export interface ReleasePolicy {
  /** Roll back automatically when a rollout fails (`spec.syncPolicy.rollback.enabled`). */
  rollback: boolean;
  /** Correct drift of the running revision (`spec.syncPolicy.automated.selfHeal`); off when absent. */
  selfHeal?: boolean;
}

export interface Transition {
  state: ReleaseState;
  action: ReleaseAction;
}

export function initialReleaseState(): ReleaseState {
  return {
    status: 'Idle', reason: 'NoRevision', message: 'no revision applied yet',
    revision: undefined, initiator: undefined, lastHealthyRevision: undefined, failedRevision: undefined,
  };
}

const none: ReleaseAction = { kind: 'none' };

function onNewRevision(state: ReleaseState, event: Extract<ReleaseEvent, { type: 'NewRevision' }>): Transition {
  const { revision, initiator } = event;
  if (initiator === 'manual') {
    const failedRevision = state.failedRevision === revision ? undefined : state.failedRevision;
    return {
      state: { ...state, status: 'Syncing', reason: 'ManualSync', message: `manual sync of ${revision}`, revision, initiator, failedRevision },
      action: { kind: 'sync', revision, initiator },
    };
  }
  if (revision === state.failedRevision) {
    return { state, action: none };
  }
  const moved = { ...state, failedRevision: undefined };
  const inHand = revision === state.revision && (state.status === 'Syncing' || state.status === 'Progressing' || state.status === 'Healthy');
  if (inHand) return { state: moved, action: none };
  return {
    state: { ...moved, status: 'Syncing', reason: 'NewRevision', message: `syncing ${revision}`, revision, initiator },
    action: { kind: 'sync', revision, initiator },
  };
}

/** The attempt at `revision` failed (render, apply, or rollout): roll back, or stop. */
function onFailure(state: ReleaseState, revision: string, reason: 'RenderFailed' | 'SyncFailed' | 'RolloutFailed', detail: string, policy: ReleasePolicy): Transition {
  if (state.initiator === 'rollback') {
    const message = `rollback to ${revision} failed (${reason}): ${detail}; `
      + `no further attempts until the tracked ref moves past ${state.failedRevision ?? 'the failed revision'}`;
    return { state: { ...state, status: 'Stalled', reason: 'RollbackFailed', message }, action: none };
  }
  const failed = { ...state, failedRevision: revision };
  const target = state.lastHealthyRevision;
  // A render failure wrote nothing: the previous revision still runs, so there is nothing to roll back.
  if (reason !== 'RenderFailed' && policy.rollback && target !== undefined && target !== revision) {
    return {
      state: {
        ...failed, status: 'Syncing', reason: 'RollbackStarted', revision: target, initiator: 'rollback',
        message: `${revision} failed (${reason}): ${detail}; rolling back to ${target}`,
      },
      action: { kind: 'rollback', revision: target, failedRevision: revision },
    };
  }
  const why = reason === 'RenderFailed' ? 'nothing was applied'
    : !policy.rollback ? 'automatic rollback is off'
      : 'no earlier healthy revision to roll back to';
  return {
    state: { ...failed, status: 'Degraded', reason, message: `${revision} failed (${reason}): ${detail}; ${why}` },
    action: none,
  };
}

/** A Degraded release whose revision's objects were written (not one that failed to render). */
function runsFailedRevision(state: ReleaseState): boolean {
  return state.status === 'Degraded' && (state.reason === 'SyncFailed' || state.reason === 'RolloutFailed');
}

function onRevisionUnchanged(state: ReleaseState, event: Extract<ReleaseEvent, { type: 'RevisionUnchanged' }>): Transition {
  if (state.status !== 'Healthy' || state.revision === undefined || state.revision === event.revision) return { state, action: none };
  return {
    // The ref moved to another commit, so a failed revision is no longer what it points at.
    state: { ...state, revision: event.revision, lastHealthyRevision: event.revision, failedRevision: undefined, reason: 'RolloutSucceeded', message: event.message },
    action: { kind: 'adopt', revision: event.revision },
  };
}

export function transition(state: ReleaseState, event: ReleaseEvent, policy: ReleasePolicy): Transition {
  if (event.type === 'NewRevision') return onNewRevision(state, event);
  if (event.type === 'RevisionUnchanged') return onRevisionUnchanged(state, event);
  if (event.revision !== state.revision) return { state, action: none };
  switch (event.type) {
    case 'SyncSucceeded':
      if (state.status !== 'Syncing') break;
      return {
        state: { ...state, status: 'Progressing', reason: 'Applied', message: `${event.revision} applied; waiting for health` },
        action: { kind: 'checkRollout', revision: event.revision },
      };
    case 'RenderFailed':
    case 'SyncFailed':
      if (state.status !== 'Syncing') break;
      return onFailure(state, event.revision, event.type, event.message, policy);
    case 'RolloutHealthy': {
      if (state.status !== 'Progressing') break;
      const rolledBack = state.initiator === 'rollback';
      const message = rolledBack
        ? `rolled back to ${event.revision} after ${state.failedRevision ?? 'a failed revision'} failed; Healthy`
        : `${event.revision} is Healthy`;
      return {
        state: { ...state, status: 'Healthy', reason: rolledBack ? 'RolledBack' : 'RolloutSucceeded', message, lastHealthyRevision: event.revision },
        action: none,
      };
    }
    case 'RolloutFailed':
      if (state.status !== 'Progressing') break;
      return onFailure(state, event.revision, 'RolloutFailed', event.message, policy);
    case 'DriftDetected':
      if (policy.selfHeal !== true || (state.status !== 'Healthy' && !runsFailedRevision(state))) break;
      return { state, action: { kind: 'heal', revision: event.revision } };
  }
  return { state, action: none };
}
