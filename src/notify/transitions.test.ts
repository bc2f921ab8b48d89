import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialReleaseState, type ReleaseEvent, type ReleasePolicy, type ReleaseState } from '../../sync/index.ts';
import { driftMove, type DriftMemory, type DriftObservation } from './drift.ts';
import { failingObjectOf, transitionEvents, type TransitionInput } from './transitions.ts';

const on: ReleasePolicy = { rollback: true };
const off: ReleasePolicy = { rollback: false };

function at(status: ReleaseState['status'], fields: Partial<ReleaseState> = {}): ReleaseState {
  return { ...initialReleaseState(), status, reason: 'NewRevision', message: '', initiator: 'auto', ...fields };
}

const healthyOnA = at('Healthy', { revision: 'A', lastHealthyRevision: 'A', reason: 'RolloutSucceeded' });
const syncingB = at('Syncing', { revision: 'B', lastHealthyRevision: 'A' });
const progressingB = at('Progressing', { revision: 'B', lastHealthyRevision: 'A', reason: 'Applied' });
const rollingBackToA = at('Syncing', {
  revision: 'A', lastHealthyRevision: 'A', failedRevision: 'B', initiator: 'rollback', reason: 'RollbackStarted',
  message: 'B failed (RolloutFailed): Degraded: revision B: Deployment/shop/web is Degraded: progress deadline exceeded; rolling back to A',
});
const rollbackProgressing = { ...rollingBackToA, status: 'Progressing' as const, reason: 'Applied' as const };

const degraded = 'Degraded: revision B: Deployment/shop/web is Degraded: progress deadline exceeded';

interface Row {
  name: string;
  state: ReleaseState;
  events: ReleaseEvent[];
  policy?: ReleasePolicy;
  heldBack?: TransitionInput['heldBack'];
  /** `Type revision<-previous` per event, in order. */
  expected: string[];
}

const rows: Row[] = [
  { name: 'a first commit syncs and becomes Healthy in one step', state: initialReleaseState(),
    events: [{ type: 'NewRevision', revision: 'A', initiator: 'auto' }, { type: 'SyncSucceeded', revision: 'A' }, { type: 'RolloutHealthy', revision: 'A' }],
    expected: ['SyncStarted A', 'Synced A', 'Healthy A'] },
  { name: 'a new commit starts, applies, then waits for health', state: healthyOnA,
    events: [{ type: 'NewRevision', revision: 'B', initiator: 'webhook' }, { type: 'SyncSucceeded', revision: 'B' }],
    expected: ['SyncStarted B<-A', 'Synced B<-A'] },
  { name: 'a later check finds it Healthy', state: progressingB, events: [{ type: 'RolloutHealthy', revision: 'B' }], expected: ['Healthy B'] },
  { name: 'a recheck still waiting gives nothing', state: progressingB, events: [], expected: [] },
  { name: 'a retry of a sync already started is no new SyncStarted', state: { ...syncingB }, events: [{ type: 'SyncSucceeded', revision: 'B' }], expected: ['Synced B<-A'] },
  { name: 'the tracked ref still at the revision in hand gives nothing', state: progressingB, events: [{ type: 'NewRevision', revision: 'B', initiator: 'auto' }], expected: [] },
  { name: 'a failed rollout rolls back: Degraded, then RolledBack once the old revision is applied', state: progressingB,
    events: [{ type: 'RolloutFailed', revision: 'B', message: degraded }, { type: 'SyncSucceeded', revision: 'A' }],
    expected: ['Degraded B<-A @Deployment/shop/web', 'RolledBack B<-A @Deployment/shop/web'] },
  { name: 'the rolled-back revision becoming Healthy is Healthy of the target', state: rollbackProgressing,
    events: [{ type: 'RolloutHealthy', revision: 'A' }], expected: ['Healthy A'] },
  { name: 'a rollback whose sync fails is RollbackFailed and Stalled, never SyncFailed', state: rollingBackToA,
    events: [{ type: 'SyncFailed', revision: 'A', message: 'apply failed' }], expected: ['RollbackFailed B<-A', 'Stalled B'] },
  { name: 'a rollback whose rollout fails is RollbackFailed, never Degraded', state: rollbackProgressing,
    events: [{ type: 'RolloutFailed', revision: 'A', message: 'Degraded: revision A: Deployment/shop/web is Degraded: x' }],
    expected: ['RollbackFailed B<-A @Deployment/shop/web', 'Stalled B'] },
  { name: 'a failed sync without rollback is SyncFailed', state: syncingB, policy: off,
    events: [{ type: 'SyncFailed', revision: 'B', message: 'denied' }], expected: ['SyncFailed B<-A'] },
  { name: 'a render failure is SyncFailed (nothing to roll back)', state: healthyOnA,
    events: [{ type: 'NewRevision', revision: 'B', initiator: 'auto' }, { type: 'RenderFailed', revision: 'B', message: 'bad yaml' }],
    expected: ['SyncStarted B<-A', 'SyncFailed B<-A'] },
  { name: 'a late outcome of another revision changes nothing and tells nothing', state: progressingB,
    events: [{ type: 'RolloutFailed', revision: 'Z', message: 'late' }, { type: 'SyncSucceeded', revision: 'B' }], expected: [] },
  { name: 'a failed revision held back is HeldBack', state: at('Healthy', { revision: 'A', failedRevision: 'B', lastHealthyRevision: 'A' }),
    events: [], heldBack: { revision: 'B', reason: 'B failed before' }, expected: ['HeldBack B'] },
  { name: 'an adopted commit tells nothing', state: healthyOnA,
    events: [{ type: 'RevisionUnchanged', revision: 'C', message: 'untouched' }], expected: [] },
];

const show = (event: ReturnType<typeof transitionEvents>[number]): string =>
  `${event.type} ${event.revision}${event.previousRevision ? `<-${event.previousRevision}` : ''}${event.object ? ` @${event.object.kind}/${event.object.namespace ?? ''}/${event.object.name}` : ''}`;

describe('notifications from release transitions', () => {
  for (const row of rows) {
    it(row.name, () => {
      const events = transitionEvents({
        before: { state: row.state, appliedRevision: row.state.lastHealthyRevision, history: [] },
        events: row.events, after: { history: [] }, policy: row.policy ?? on, heldBack: row.heldBack,
      });
      assert.deepEqual(events.map(show), row.expected);
    });
  }

  it('numbers events by the newest history entry, so a step run twice gives the same ids', () => {
    const history = [{ id: 7, revision: 'B', initiator: 'auto' as const, phase: 'Failed' as const, startedAt: '', finishedAt: '', changes: undefined, message: '' }];
    const input: TransitionInput = { before: { state: progressingB, appliedRevision: 'B', history: [] }, events: [{ type: 'RolloutFailed', revision: 'B', message: degraded }], after: { history }, policy: on };
    assert.deepEqual(transitionEvents(input), transitionEvents(input));
    assert.equal(transitionEvents(input)[0]?.occurrence, 7);
  });

  it('names the failing object from the rollout message, with or without a namespace', () => {
    assert.deepEqual(failingObjectOf(degraded), { kind: 'Deployment', namespace: 'shop', name: 'web' });
    assert.deepEqual(failingObjectOf('HealthTimeout: revision B: not Healthy within 30s: Namespace/shop is Progressing'), { kind: 'Namespace', name: 'shop' });
    assert.equal(failingObjectOf('apply failed'), undefined);
  });
});

describe('drift notifications', () => {
  const seen = (revision: string, status: DriftObservation['status']): DriftObservation => ({ revision, status, message: 'm' });
  const cases: { name: string; previous: DriftMemory | undefined; seen: DriftObservation; event: string | undefined; epoch: number | undefined }[] = [
    { name: 'the first check of a revision is a baseline', previous: undefined, seen: seen('A', 'OutOfSync'), event: undefined, epoch: 0 },
    { name: 'Synced to OutOfSync is DriftDetected', previous: { revision: 'A', status: 'Synced', epoch: 0 }, seen: seen('A', 'OutOfSync'), event: 'DriftDetected', epoch: 1 },
    { name: 'OutOfSync to Synced is DriftHealed', previous: { revision: 'A', status: 'OutOfSync', epoch: 1 }, seen: seen('A', 'Synced'), event: 'DriftHealed', epoch: 2 },
    { name: 'no move tells nothing', previous: { revision: 'A', status: 'OutOfSync', epoch: 1 }, seen: seen('A', 'OutOfSync'), event: undefined, epoch: 1 },
    { name: 'Unknown changes nothing', previous: { revision: 'A', status: 'Synced', epoch: 3 }, seen: seen('A', 'Unknown'), event: undefined, epoch: 3 },
    { name: 'a new revision starts afresh, keeping the epoch', previous: { revision: 'A', status: 'Synced', epoch: 3 }, seen: seen('B', 'OutOfSync'), event: undefined, epoch: 3 },
  ];
  for (const row of cases) {
    it(row.name, () => {
      const move = driftMove(row.previous, row.seen);
      assert.equal(move.event?.type, row.event);
      assert.equal(move.memory?.epoch, row.epoch);
      if (move.event) assert.equal(move.event.occurrence, move.memory?.epoch);
    });
  }
});
