import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  initialReleaseState, transition,
  type ReleaseAction, type ReleaseEvent, type ReleasePolicy, type ReleaseState,
} from './rollback-state.ts';

const on: ReleasePolicy = { rollback: true };
const off: ReleasePolicy = { rollback: false };
const healing: ReleasePolicy = { rollback: true, selfHeal: true };

function at(status: ReleaseState['status'], fields: Partial<ReleaseState> = {}): ReleaseState {
  return { ...initialReleaseState(), status, reason: 'NewRevision', message: '', initiator: 'auto', ...fields };
}

const describeAction = (action: ReleaseAction): string => {
  switch (action.kind) {
    case 'none': return 'none';
    case 'sync': return `sync ${action.revision} (${action.initiator})`;
    case 'checkRollout': return `checkRollout ${action.revision}`;
    case 'rollback': return `rollback to ${action.revision} (failed ${action.failedRevision})`;
    case 'heal': return `heal ${action.revision}`;
    case 'adopt': return `adopt ${action.revision}`;
  }
};

interface Row {
  name: string;
  state: ReleaseState;
  event: ReleaseEvent;
  policy?: ReleasePolicy;
  action: string;
  next: Partial<ReleaseState>;
}

const rows: Row[] = [
  { name: 'new revision -> sync', state: initialReleaseState(), event: { type: 'NewRevision', revision: 'A', initiator: 'auto' },
    action: 'sync A (auto)', next: { status: 'Syncing', reason: 'NewRevision', revision: 'A' } },
  { name: 'new revision from a webhook while Healthy -> sync', state: at('Healthy', { revision: 'A', lastHealthyRevision: 'A' }), event: { type: 'NewRevision', revision: 'B', initiator: 'webhook' },
    action: 'sync B (webhook)', next: { status: 'Syncing', revision: 'B', initiator: 'webhook', lastHealthyRevision: 'A' } },
  { name: 'the same revision while Healthy -> nothing', state: at('Healthy', { revision: 'A', lastHealthyRevision: 'A' }), event: { type: 'NewRevision', revision: 'A', initiator: 'auto' },
    action: 'none', next: { status: 'Healthy', revision: 'A' } },
  { name: 'the same revision while Progressing -> nothing', state: at('Progressing', { revision: 'B' }), event: { type: 'NewRevision', revision: 'B', initiator: 'auto' },
    action: 'none', next: { status: 'Progressing' } },
  { name: 'a newer revision while Progressing -> sync it', state: at('Progressing', { revision: 'B' }), event: { type: 'NewRevision', revision: 'C', initiator: 'auto' },
    action: 'sync C (auto)', next: { status: 'Syncing', revision: 'C' } },
  { name: 'synced -> progressing', state: at('Syncing', { revision: 'B' }), event: { type: 'SyncSucceeded', revision: 'B' },
    action: 'checkRollout B', next: { status: 'Progressing', reason: 'Applied', revision: 'B' } },
  { name: 'progressing -> healthy, recording lastHealthyRevision', state: at('Progressing', { revision: 'B', lastHealthyRevision: 'A' }), event: { type: 'RolloutHealthy', revision: 'B' },
    action: 'none', next: { status: 'Healthy', reason: 'RolloutSucceeded', lastHealthyRevision: 'B' } },
  { name: 'progressing -> failed, rollback on, a last healthy revision -> roll back to it and record the failed revision',
    state: at('Progressing', { revision: 'B', lastHealthyRevision: 'A' }), event: { type: 'RolloutFailed', revision: 'B', message: 'progress deadline exceeded' },
    action: 'rollback to A (failed B)', next: { status: 'Syncing', reason: 'RollbackStarted', revision: 'A', initiator: 'rollback', failedRevision: 'B' } },
  { name: 'apply failed with a last healthy revision -> roll back', state: at('Syncing', { revision: 'B', lastHealthyRevision: 'A' }), event: { type: 'SyncFailed', revision: 'B', message: 'invalid' },
    action: 'rollback to A (failed B)', next: { status: 'Syncing', initiator: 'rollback', failedRevision: 'B' } },
  { name: 'progressing -> failed with no last healthy revision -> Degraded, no rollback', state: at('Progressing', { revision: 'A' }), event: { type: 'RolloutFailed', revision: 'A', message: 'x' },
    action: 'none', next: { status: 'Degraded', reason: 'RolloutFailed', failedRevision: 'A' } },
  { name: 'progressing -> failed with rollback off -> Degraded', state: at('Progressing', { revision: 'B', lastHealthyRevision: 'A' }), event: { type: 'RolloutFailed', revision: 'B', message: 'x' }, policy: off,
    action: 'none', next: { status: 'Degraded', reason: 'RolloutFailed', failedRevision: 'B', lastHealthyRevision: 'A' } },
  { name: 'a revision that was healthy before and now fails does not roll back to itself', state: at('Progressing', { revision: 'A', lastHealthyRevision: 'A' }), event: { type: 'RolloutFailed', revision: 'A', message: 'x' },
    action: 'none', next: { status: 'Degraded', failedRevision: 'A' } },
  { name: 'render failed -> Degraded without rollback (nothing was applied)', state: at('Syncing', { revision: 'B', lastHealthyRevision: 'A' }), event: { type: 'RenderFailed', revision: 'B', message: 'helm: template error' },
    action: 'none', next: { status: 'Degraded', reason: 'RenderFailed', failedRevision: 'B' } },
  { name: 'rollback applied -> progressing', state: at('Syncing', { revision: 'A', initiator: 'rollback', failedRevision: 'B', lastHealthyRevision: 'A' }), event: { type: 'SyncSucceeded', revision: 'A' },
    action: 'checkRollout A', next: { status: 'Progressing', initiator: 'rollback' } },
  { name: 'rollback healthy -> Healthy, RolledBack, failed revision still recorded', state: at('Progressing', { revision: 'A', initiator: 'rollback', failedRevision: 'B', lastHealthyRevision: 'A' }), event: { type: 'RolloutHealthy', revision: 'A' },
    action: 'none', next: { status: 'Healthy', reason: 'RolledBack', failedRevision: 'B', lastHealthyRevision: 'A' } },
  { name: 'rollback rollout failing -> Stalled, no further attempts', state: at('Progressing', { revision: 'A', initiator: 'rollback', failedRevision: 'B', lastHealthyRevision: 'A' }), event: { type: 'RolloutFailed', revision: 'A', message: 'Degraded' },
    action: 'none', next: { status: 'Stalled', reason: 'RollbackFailed', failedRevision: 'B' } },
  { name: 'rollback apply failing -> Stalled', state: at('Syncing', { revision: 'A', initiator: 'rollback', failedRevision: 'B', lastHealthyRevision: 'A' }), event: { type: 'SyncFailed', revision: 'A', message: 'forbidden' },
    action: 'none', next: { status: 'Stalled', reason: 'RollbackFailed' } },
  { name: 'rollback render failing -> Stalled', state: at('Syncing', { revision: 'A', initiator: 'rollback', failedRevision: 'B', lastHealthyRevision: 'A' }), event: { type: 'RenderFailed', revision: 'A', message: 'gone from Git' },
    action: 'none', next: { status: 'Stalled', reason: 'RollbackFailed' } },
  { name: 'the failed revision again (poll) -> not applied', state: at('Healthy', { revision: 'A', reason: 'RolledBack', failedRevision: 'B', lastHealthyRevision: 'A' }), event: { type: 'NewRevision', revision: 'B', initiator: 'auto' },
    action: 'none', next: { status: 'Healthy', revision: 'A', failedRevision: 'B' } },
  { name: 'the failed revision again while Stalled -> not applied', state: at('Stalled', { revision: 'A', initiator: 'rollback', failedRevision: 'B', lastHealthyRevision: 'A' }), event: { type: 'NewRevision', revision: 'B', initiator: 'webhook' },
    action: 'none', next: { status: 'Stalled' } },
  { name: 'the failed revision again while Degraded -> not applied', state: at('Degraded', { revision: 'A', failedRevision: 'A' }), event: { type: 'NewRevision', revision: 'A', initiator: 'auto' },
    action: 'none', next: { status: 'Degraded' } },
  { name: 'the tracked ref moves to another commit -> sync it and forget the failed revision', state: at('Stalled', { revision: 'A', initiator: 'rollback', failedRevision: 'B', lastHealthyRevision: 'A' }), event: { type: 'NewRevision', revision: 'C', initiator: 'auto' },
    action: 'sync C (auto)', next: { status: 'Syncing', revision: 'C', failedRevision: undefined, lastHealthyRevision: 'A' } },
  { name: 'a manual sync of the failed revision is allowed', state: at('Healthy', { revision: 'A', failedRevision: 'B', lastHealthyRevision: 'A' }), event: { type: 'NewRevision', revision: 'B', initiator: 'manual' },
    action: 'sync B (manual)', next: { status: 'Syncing', reason: 'ManualSync', revision: 'B', failedRevision: undefined } },
  { name: 'a late outcome of an older revision changes nothing', state: at('Progressing', { revision: 'C' }), event: { type: 'RolloutFailed', revision: 'B', message: 'x' },
    action: 'none', next: { status: 'Progressing', revision: 'C', failedRevision: undefined } },
  { name: 'a duplicated sync outcome changes nothing', state: at('Progressing', { revision: 'B' }), event: { type: 'SyncSucceeded', revision: 'B' },
    action: 'none', next: { status: 'Progressing' } },
  { name: 'a rollout outcome while still syncing changes nothing', state: at('Syncing', { revision: 'B' }), event: { type: 'RolloutHealthy', revision: 'B' },
    action: 'none', next: { status: 'Syncing', lastHealthyRevision: undefined } },
  { name: 'drift while Healthy, self-heal on -> heal the running revision, state unchanged', state: at('Healthy', { revision: 'A', lastHealthyRevision: 'A' }), event: { type: 'DriftDetected', revision: 'A' }, policy: healing,
    action: 'heal A', next: { status: 'Healthy', revision: 'A', lastHealthyRevision: 'A' } },
  { name: 'drift while Healthy, self-heal off -> nothing', state: at('Healthy', { revision: 'A', lastHealthyRevision: 'A' }), event: { type: 'DriftDetected', revision: 'A' },
    action: 'none', next: { status: 'Healthy' } },
  { name: 'drift after a failed first rollout (Degraded, nothing to roll back to) -> still healed', state: at('Degraded', { revision: 'A', reason: 'RolloutFailed', failedRevision: 'A' }), event: { type: 'DriftDetected', revision: 'A' }, policy: healing,
    action: 'heal A', next: { status: 'Degraded', failedRevision: 'A' } },
  { name: 'drift of a revision that never rendered (Degraded, RenderFailed) -> nothing: its objects were never applied', state: at('Degraded', { revision: 'B', reason: 'RenderFailed', failedRevision: 'B', lastHealthyRevision: 'A' }), event: { type: 'DriftDetected', revision: 'B' }, policy: healing,
    action: 'none', next: { status: 'Degraded' } },
  { name: 'drift while Progressing or Stalled -> nothing', state: at('Progressing', { revision: 'A' }), event: { type: 'DriftDetected', revision: 'A' }, policy: healing,
    action: 'none', next: { status: 'Progressing' } },
  { name: 'drift of another revision than the running one -> nothing', state: at('Healthy', { revision: 'A', lastHealthyRevision: 'A' }), event: { type: 'DriftDetected', revision: 'B' }, policy: healing,
    action: 'none', next: { status: 'Healthy', revision: 'A' } },
  { name: 'a commit that changes nothing of the Application while Healthy -> adopted as running and healthy', state: at('Healthy', { revision: 'A', lastHealthyRevision: 'A', failedRevision: 'X' }), event: { type: 'RevisionUnchanged', revision: 'B', message: 'B changes nothing under apps/web' },
    action: 'adopt B', next: { status: 'Healthy', revision: 'B', lastHealthyRevision: 'B', failedRevision: undefined, message: 'B changes nothing under apps/web' } },
  { name: 'a commit that changes nothing, but the release is not Healthy -> nothing (the machine handles it as a new revision)', state: at('Degraded', { revision: 'A', failedRevision: 'A' }), event: { type: 'RevisionUnchanged', revision: 'B', message: 'm' },
    action: 'none', next: { status: 'Degraded', revision: 'A' } },
  { name: 'the running commit reported unchanged -> nothing', state: at('Healthy', { revision: 'A', lastHealthyRevision: 'A' }), event: { type: 'RevisionUnchanged', revision: 'A', message: 'm' },
    action: 'none', next: { status: 'Healthy', revision: 'A' } },
];

describe('rollback state machine', () => {
  for (const row of rows) {
    it(row.name, () => {
      const { state, action } = transition(row.state, row.event, row.policy ?? on);
      assert.equal(describeAction(action), row.action);
      for (const [field, value] of Object.entries(row.next)) {
        assert.equal(state[field as keyof ReleaseState], value, field);
      }
    });
  }

  it('says in Stalled what failed and that it will not try again', () => {
    const { state } = transition(at('Progressing', { revision: 'A', initiator: 'rollback', failedRevision: 'B' }), { type: 'RolloutFailed', revision: 'A', message: 'Deployment/shop/web is Degraded' }, on);
    assert.match(state.message, /rollback to A failed \(RolloutFailed\): Deployment\/shop\/web is Degraded; no further attempts until the tracked ref moves past B/);
  });

  it('does not mutate the state it is given', () => {
    const state = at('Progressing', { revision: 'B', lastHealthyRevision: 'A' });
    const copy = structuredClone(state);
    transition(state, { type: 'RolloutFailed', revision: 'B', message: 'x' }, on);
    assert.deepEqual(state, copy);
  });

  it('never loops: long random event sequences make at most one sync and one rollback per move of the tracked ref', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const commits = ['A', 'B', 'C', 'D', 'E'];
    for (let run = 0; run < 200; run += 1) {
      let state = initialReleaseState();
      let tracked = pick(commits);
      let writesSinceMove = 0;
      let pending: ReleaseAction = { kind: 'none' };
      const policy = { rollback: random() < 0.8 };
      for (let step = 0; step < 500; step += 1) {
        let event: ReleaseEvent;
        const roll = random();
        if (roll < 0.05) {
          const next = pick(commits);
          if (next !== tracked) writesSinceMove = 0;
          tracked = next;
          event = { type: 'NewRevision', revision: tracked, initiator: pick(['auto', 'webhook'] as const) };
        } else if (roll < 0.35) {
          event = { type: 'NewRevision', revision: tracked, initiator: 'auto' };
        } else if (roll < 0.85 && pending.kind !== 'none') {
          const revision = pending.revision;
          const ok = random() < 0.5;
          event = pending.kind === 'checkRollout'
            ? (ok ? { type: 'RolloutHealthy', revision } : { type: 'RolloutFailed', revision, message: 'x' })
            : (ok ? { type: 'SyncSucceeded', revision } : pick([{ type: 'SyncFailed', revision, message: 'x' }, { type: 'RenderFailed', revision, message: 'x' }] as const));
        } else {
          const revision = pick(commits);
          event = pick<ReleaseEvent>([
            { type: 'SyncSucceeded', revision }, { type: 'SyncFailed', revision, message: 'stray' }, { type: 'RenderFailed', revision, message: 'stray' },
            { type: 'RolloutHealthy', revision }, { type: 'RolloutFailed', revision, message: 'stray' },
          ]);
        }
        const result = transition(state, event, policy);
        state = result.state;
        if (result.action.kind !== 'none') pending = result.action;
        if (result.action.kind === 'sync' || result.action.kind === 'rollback') writesSinceMove += 1;
        if (result.action.kind === 'rollback') assert.equal(result.action.failedRevision, state.failedRevision);
        assert.ok(writesSinceMove <= 2, `run ${run}, step ${step}: ${writesSinceMove} writes without a move of the tracked ref (state ${JSON.stringify(state)})`);
        if (state.status === 'Stalled') assert.equal(state.initiator, 'rollback');
      }
    }
  });
});
