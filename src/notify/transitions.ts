/**
 * Which notifications one reconcile step gives: a pure function of the release
 * record before the step, the events the step fed the state machine, and the
 * record after it. Nothing here looks at polled status: an event is a move of
 * the state machine (sync/rollback-state.ts), replayed through the very
 * `transition` the release used, so the state before each move (who started the
 * attempt: a rollback or not) is known exactly.
 *
 * Promises (tested as a table in transitions.test.ts):
 * - a retry of a sync already started, a recheck still waiting for health, and
 *   a late or duplicated outcome give nothing;
 * - a rollback's own sync and rollout are RolledBack / RollbackFailed, never
 *   Synced, SyncFailed or Degraded (which are about the commit Git asked for);
 * - each event carries an `occurrence`: the newest history id of the record it
 *   came with, so the same step run twice (a controller killed before it saved
 *   the record) gives the same events, and a revision that fails again after a
 *   person's sync gives new ones.
 */
import {
  transition, type ReleaseAction, type ReleaseEvent, type ReleasePolicy, type ReleaseRecord, type ReleaseState,
} from '../../sync/index.ts';
import { NotificationEventType, NotificationSeverity, type NotificationObject } from './providers/event.ts';

export interface TransitionEvent {
  type: NotificationEventType;
  /** The revision it is about; for RolledBack, RollbackFailed and HeldBack the bad one. */
  revision: string;
  /** What ran before; for RolledBack and RollbackFailed the rollback's target. */
  previousRevision?: string | undefined;
  reason: string;
  object?: NotificationObject | undefined;
  /** Tells apart two events of one type and revision that are really two (see the module doc). */
  occurrence: number;
}

export interface TransitionInput {
  before: Pick<ReleaseRecord, 'state' | 'appliedRevision' | 'history'>;
  /** The events the step fed the state machine, in order; undefined when nothing was done. */
  events: readonly ReleaseEvent[] | undefined;
  after: Pick<ReleaseRecord, 'history'>;
  policy: ReleasePolicy;
  /** The reconcile held a failed target back instead of applying it (decide's BadRevisionHeld). */
  heldBack?: { revision: string; reason: string } | undefined;
}

export const severityOf: Record<NotificationEventType, NotificationSeverity> = {
  SyncStarted: 'info',
  Synced: 'info',
  Healthy: 'info',
  DriftHealed: 'info',
  DriftDetected: 'warning',
  HeldBack: 'warning',
  RolledBack: 'warning',
  SyncFailed: 'error',
  Degraded: 'error',
  RollbackFailed: 'error',
  Stalled: 'error',
};

const severityRank: Record<NotificationSeverity, number> = { info: 0, warning: 1, error: 2 };

/** Whether `severity` is at least `minimum`. */
export function isAtLeast(severity: NotificationSeverity, minimum: NotificationSeverity): boolean {
  return severityRank[severity] >= severityRank[minimum];
}

export const notificationEventTypes = Object.values(NotificationEventType);
export const notificationSeverities = Object.values(NotificationSeverity);

/** The newest history id of a record (0 for none). */
export function occurrenceOf(record: Pick<ReleaseRecord, 'history'>): number {
  return record.history.reduce((max, entry) => Math.max(max, entry.id), 0);
}

/**
 * The first object a rollout failure names. sync/rollout.ts describes the
 * failing objects as `Kind/namespace/name is Status` (formatRef), the only
 * place that knows which object it was.
 */
export function failingObjectOf(message: string): NotificationObject | undefined {
  const match = /(?:^|[:;]\s*)([A-Z][A-Za-z0-9]*)\/([a-z0-9][a-z0-9.-]*)(?:\/([a-z0-9][a-z0-9.-]*))? is (?:Degraded|Progressing|Missing|Unknown|Suspended)/.exec(message);
  if (!match) return undefined;
  const [, kind = '', first = '', second] = match;
  return second === undefined ? { kind, name: first } : { kind, namespace: first, name: second };
}

type Draft = Omit<TransitionEvent, 'occurrence'>;

/** What one move of the machine (`before` -> `after` on `event`) tells people. */
function eventsOfMove(before: ReleaseState, after: ReleaseState, event: ReleaseEvent, action: ReleaseAction, running: string | undefined): Draft[] {
  const out: Draft[] = [];
  const byRollback = before.initiator === 'rollback' && before.status !== 'Idle';
  switch (event.type) {
    case 'NewRevision':
      if (action.kind === 'sync') out.push({ type: 'SyncStarted', revision: event.revision, previousRevision: running, reason: after.message });
      break;
    case 'SyncSucceeded':
      if (before.status !== 'Syncing' || event.revision !== before.revision) break;
      out.push(byRollback
        ? { type: 'RolledBack', revision: before.failedRevision ?? event.revision, previousRevision: event.revision, reason: before.message, object: failingObjectOf(before.message) }
        : { type: 'Synced', revision: event.revision, previousRevision: running, reason: after.message });
      break;
    case 'RenderFailed':
    case 'SyncFailed':
      if (before.status !== 'Syncing' || event.revision !== before.revision) break;
      out.push(byRollback
        ? { type: 'RollbackFailed', revision: before.failedRevision ?? event.revision, previousRevision: event.revision, reason: event.message }
        : { type: 'SyncFailed', revision: event.revision, previousRevision: running, reason: event.message });
      break;
    case 'RolloutHealthy':
      if (before.status !== 'Progressing' || event.revision !== before.revision) break;
      out.push({ type: 'Healthy', revision: event.revision, reason: after.message });
      break;
    case 'RolloutFailed':
      if (before.status !== 'Progressing' || event.revision !== before.revision) break;
      out.push(byRollback
        ? { type: 'RollbackFailed', revision: before.failedRevision ?? event.revision, previousRevision: event.revision, reason: event.message, object: failingObjectOf(event.message) }
        : { type: 'Degraded', revision: event.revision, previousRevision: running, reason: event.message, object: failingObjectOf(event.message) });
      break;
    case 'DriftDetected':
    case 'RevisionUnchanged':
      // Drift is told from the drift check (drift.ts); an adopted commit changes nothing running.
      break;
  }
  if (after.status === 'Stalled' && before.status !== 'Stalled') {
    out.push({ type: 'Stalled', revision: after.failedRevision ?? after.revision ?? event.revision, reason: after.message });
  }
  return out;
}

export function transitionEvents(input: TransitionInput): TransitionEvent[] {
  const drafts: Draft[] = [];
  let state = input.before.state;
  // What the cluster ran before each move: the previous revision of a sync.
  let running = input.before.appliedRevision;
  for (const event of input.events ?? []) {
    const { state: next, action } = transition(state, event, input.policy);
    drafts.push(...eventsOfMove(state, next, event, action, running));
    if (event.type === 'SyncSucceeded' || event.type === 'SyncFailed') running = event.revision;
    state = next;
  }
  if (input.heldBack) drafts.push({ type: 'HeldBack', revision: input.heldBack.revision, reason: input.heldBack.reason });
  const occurrence = occurrenceOf(input.after);
  return drafts.map((draft) => ({ ...draft, occurrence }));
}
