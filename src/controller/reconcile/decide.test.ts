import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialReleaseRecord, type ReleaseState } from '../../../sync/index.ts';
import { decide, needsDriftToDecide, type DecisionInput, type ReconcileAction } from './decide.ts';
import { triggerOf, type TriggerKind } from './trigger.ts';

const jobOf: Record<TriggerKind, Parameters<typeof triggerOf>[0]> = {
  poll: { app: 'shop/web', reason: 'poll' },
  webhook: { app: 'shop/web', reason: 'webhook' },
  watch: { app: 'shop/web', reason: 'watch' },
  startup: { app: 'shop/web', reason: 'startup' },
  recheck: { app: 'shop/web', reason: 'recheck' },
  refresh: { app: 'shop/web', reason: 'poll', operation: { kind: 'refresh' } },
  manualSync: { app: 'shop/web', reason: 'manual', operation: { kind: 'sync' } },
  manualRollback: { app: 'shop/web', reason: 'manual', operation: { kind: 'rollback', revision: 'A' } },
  dryRun: { app: 'shop/web', reason: 'manual', operation: { kind: 'sync', dryRun: true } },
};

interface Row {
  name: string;
  status: ReleaseState['status'];
  state?: Partial<ReleaseState>;
  applied?: string;
  retry?: { attempts: number; nextAttemptAt: number };
  trigger: TriggerKind;
  target?: string;
  unrelatedHistory?: string;
  pathsUntouched?: boolean;
  drift?: DecisionInput['drift'];
  policy?: Partial<DecisionInput['policy']>;
  dependencies?: 'ready' | 'waiting' | 'cycle';
  action: string;
}

const describeAction = (action: ReconcileAction): string => {
  switch (action.kind) {
    case 'sync': return `sync ${action.revision} (${action.initiator})`;
    case 'report': return `report ${action.reason}`;
    case 'dryRun': case 'rollback': case 'heal': case 'adopt': return `${action.kind} ${action.revision}`;
    case 'refuse': return `refuse ${action.revision}`;
    case 'continue': return 'continue';
  }
};

const now = 1_000_000;
const healthyA = { revision: 'A', lastHealthyRevision: 'A', reason: 'RolloutSucceeded' as const };
const rows: Row[] = [
  // Idle
  { name: 'Idle, poll -> sync the target', status: 'Idle', trigger: 'poll', target: 'A', action: 'sync A (auto)' },
  { name: 'Idle, webhook -> sync, named as the webhook\'s', status: 'Idle', trigger: 'webhook', target: 'A', action: 'sync A (webhook)' },
  { name: 'Idle, start-up of a manual-only Application -> report', status: 'Idle', trigger: 'startup', target: 'A', policy: { automated: false }, action: 'report ManualOnly' },
  { name: 'Idle, manual sync of a manual-only Application -> sync', status: 'Idle', trigger: 'manualSync', target: 'A', policy: { automated: false }, action: 'sync A (manual)' },
  { name: 'Idle, dry run -> dry run, nothing else', status: 'Idle', trigger: 'dryRun', target: 'A', action: 'dryRun A' },
  // Healthy
  { name: 'Healthy, poll of the running commit, in sync -> report', status: 'Healthy', state: healthyA, applied: 'A', trigger: 'poll', target: 'A', drift: 'Synced', action: 'report UpToDate' },
  { name: 'Healthy, watch event, drifted, selfHeal -> heal', status: 'Healthy', state: healthyA, applied: 'A', trigger: 'watch', target: 'A', drift: 'OutOfSync', policy: { selfHeal: true }, action: 'heal A' },
  { name: 'Healthy, watch event, drifted, no selfHeal -> report the drift', status: 'Healthy', state: healthyA, applied: 'A', trigger: 'watch', target: 'A', drift: 'OutOfSync', action: 'report DriftReported' },
  { name: 'Healthy, webhook with a new commit -> sync it', status: 'Healthy', state: healthyA, applied: 'A', trigger: 'webhook', target: 'B', action: 'sync B (webhook)' },
  { name: 'Healthy, unchanged commit (touches nothing of the Application) -> adopt', status: 'Healthy', state: healthyA, applied: 'A', trigger: 'poll', target: 'B', pathsUntouched: true, action: 'adopt B' },
  { name: 'Healthy, unrelated history -> refuse', status: 'Healthy', state: healthyA, applied: 'A', trigger: 'poll', target: 'B', unrelatedHistory: 'shares no history', action: 'refuse B' },
  { name: 'Healthy, refresh with a new commit -> sync (a refresh is automatic)', status: 'Healthy', state: healthyA, applied: 'A', trigger: 'refresh', target: 'B', action: 'sync B (auto)' },
  { name: 'Healthy, manual sync of the running commit -> sync it again', status: 'Healthy', state: healthyA, applied: 'A', trigger: 'manualSync', target: 'A', action: 'sync A (manual)' },
  { name: 'Healthy, manual rollback -> roll back to the named commit', status: 'Healthy', state: { ...healthyA, revision: 'B', lastHealthyRevision: 'B' }, applied: 'B', trigger: 'manualRollback', target: 'A', action: 'rollback A' },
  { name: 'Healthy after a rollback, poll of the bad revision -> held back', status: 'Healthy', state: { ...healthyA, failedRevision: 'B', reason: 'RolledBack' }, applied: 'A', trigger: 'poll', target: 'B', action: 'report BadRevisionHeld' },
  { name: 'Healthy, recheck -> nothing owed', status: 'Healthy', state: healthyA, applied: 'A', trigger: 'recheck', target: 'A', action: 'report UpToDate' },
  // Syncing
  { name: 'Syncing, recheck when the retry is due -> continue', status: 'Syncing', state: { revision: 'A' }, retry: { attempts: 1, nextAttemptAt: now }, trigger: 'recheck', target: 'A', action: 'continue' },
  { name: 'Syncing, recheck before the retry\'s backoff is over -> wait', status: 'Syncing', state: { revision: 'A' }, retry: { attempts: 1, nextAttemptAt: now + 1 }, trigger: 'recheck', target: 'A', action: 'report InProgress' },
  { name: 'Syncing, poll of the same commit -> wait', status: 'Syncing', state: { revision: 'A' }, retry: { attempts: 1, nextAttemptAt: now + 1 }, trigger: 'poll', target: 'A', action: 'report InProgress' },
  { name: 'Syncing, webhook with a newer commit -> sync it', status: 'Syncing', state: { revision: 'A' }, trigger: 'webhook', target: 'B', action: 'sync B (webhook)' },
  { name: 'Syncing, recheck of a manual sync on a manual-only Application -> continue', status: 'Syncing', state: { revision: 'A', initiator: 'manual' }, trigger: 'recheck', target: 'A', policy: { automated: false }, action: 'continue' },
  // Progressing
  { name: 'Progressing, recheck -> check the rollout', status: 'Progressing', state: { revision: 'A' }, applied: 'A', trigger: 'recheck', target: 'A', action: 'continue' },
  { name: 'Progressing, watch event -> wait for the rollout check', status: 'Progressing', state: { revision: 'A' }, applied: 'A', trigger: 'watch', target: 'A', action: 'report InProgress' },
  { name: 'Progressing, watch event, drifted, selfHeal -> wait: drift is reported during a rollout, healed once it settles', status: 'Progressing', state: { revision: 'A' }, applied: 'A', trigger: 'watch', target: 'A', drift: 'OutOfSync', policy: { selfHeal: true }, action: 'report InProgress' },
  { name: 'Progressing, recheck, drifted, selfHeal -> check the rollout, no heal', status: 'Progressing', state: { revision: 'A' }, applied: 'A', trigger: 'recheck', target: 'A', drift: 'OutOfSync', policy: { selfHeal: true }, action: 'continue' },
  { name: 'Progressing, dry run -> dry run', status: 'Progressing', state: { revision: 'A' }, applied: 'A', trigger: 'dryRun', target: 'A', action: 'dryRun A' },
  // Degraded
  { name: 'Degraded after a failed first rollout, drifted, selfHeal -> still healed', status: 'Degraded', state: { revision: 'A', failedRevision: 'A', reason: 'RolloutFailed' }, applied: 'A', trigger: 'watch', target: 'A', drift: 'OutOfSync', policy: { selfHeal: true }, action: 'heal A' },
  { name: 'Degraded, poll of the failed revision -> held back', status: 'Degraded', state: { revision: 'A', failedRevision: 'A', reason: 'RolloutFailed' }, applied: 'A', trigger: 'poll', target: 'A', drift: 'Synced', action: 'report BadRevisionHeld' },
  { name: 'Degraded, retries used up -> retry exhausted', status: 'Degraded', state: { revision: 'A', failedRevision: 'A', reason: 'SyncFailed' }, retry: { attempts: 7, nextAttemptAt: now }, trigger: 'poll', target: 'A', action: 'report RetryExhausted' },
  { name: 'Degraded after a refused commit, drifted -> not healed with the refused commit', status: 'Degraded', state: { revision: 'B', failedRevision: 'B', reason: 'RenderFailed', lastHealthyRevision: 'A' }, applied: 'A', trigger: 'watch', target: 'B', drift: 'OutOfSync', policy: { selfHeal: true }, action: 'report BadRevisionHeld' },
  { name: 'Degraded, a new commit -> sync it', status: 'Degraded', state: { revision: 'A', failedRevision: 'A', reason: 'RolloutFailed' }, applied: 'A', trigger: 'poll', target: 'B', action: 'sync B (auto)' },
  { name: 'Degraded, manual sync of the failed revision -> sync it', status: 'Degraded', state: { revision: 'A', failedRevision: 'A', reason: 'RolloutFailed' }, applied: 'A', trigger: 'manualSync', target: 'A', action: 'sync A (manual)' },
  // Stalled
  { name: 'Stalled after a failed rollback, poll of the bad revision -> report', status: 'Stalled', state: { revision: 'A', initiator: 'rollback', failedRevision: 'B', lastHealthyRevision: 'A', reason: 'RollbackFailed' }, applied: 'A', trigger: 'poll', target: 'B', action: 'report Stalled' },
  { name: 'Stalled, the ref moves on -> sync the new commit', status: 'Stalled', state: { revision: 'A', initiator: 'rollback', failedRevision: 'B', lastHealthyRevision: 'A', reason: 'RollbackFailed' }, applied: 'A', trigger: 'webhook', target: 'C', action: 'sync C (webhook)' },
  // spec.dependsOn
  { name: 'Idle, a dependency not Healthy yet -> wait (first deploy in order)', status: 'Idle', trigger: 'startup', target: 'A', dependencies: 'waiting', action: 'report WaitingForDependencies' },
  { name: 'Idle, dependencies Healthy -> sync', status: 'Idle', trigger: 'watch', target: 'A', dependencies: 'ready', action: 'sync A (auto)' },
  { name: 'Healthy, a new commit while a dependency is not at it yet -> wait', status: 'Healthy', state: healthyA, applied: 'A', trigger: 'poll', target: 'B', dependencies: 'waiting', action: 'report WaitingForDependencies' },
  { name: 'Healthy, an unchanged commit while a dependency is not at it -> wait, not adopt (dependants of this one would go early)', status: 'Healthy', state: healthyA, applied: 'A', trigger: 'poll', target: 'B', pathsUntouched: true, dependencies: 'waiting', action: 'report WaitingForDependencies' },
  { name: 'Healthy, a dependency cycle -> refused', status: 'Healthy', state: healthyA, applied: 'A', trigger: 'poll', target: 'B', dependencies: 'cycle', action: 'report DependencyCycle' },
  { name: 'Healthy, drifted, selfHeal, a dependency not ready -> heal the running revision anyway', status: 'Healthy', state: healthyA, applied: 'A', trigger: 'watch', target: 'A', drift: 'OutOfSync', policy: { selfHeal: true }, dependencies: 'waiting', action: 'heal A' },
  { name: 'Progressing, recheck, a dependency not ready -> the rollout in flight goes on', status: 'Progressing', state: { revision: 'A' }, applied: 'A', trigger: 'recheck', target: 'A', dependencies: 'waiting', action: 'continue' },
  { name: 'Idle, manual sync, a dependency not ready -> a person\'s sync is carried out', status: 'Idle', trigger: 'manualSync', target: 'A', dependencies: 'waiting', action: 'sync A (manual)' },
  { name: 'Stalled, manual sync -> sync', status: 'Stalled', state: { revision: 'A', initiator: 'rollback', failedRevision: 'B', reason: 'RollbackFailed' }, applied: 'A', trigger: 'manualSync', target: 'B', action: 'sync B (manual)' },
];

function inputOf(row: Row): DecisionInput {
  const record = initialReleaseRecord();
  return {
    record: { state: { ...record.state, status: row.status, initiator: 'auto', ...row.state }, appliedRevision: row.applied, retry: row.retry },
    target: { revision: row.target ?? 'A', unrelatedHistory: row.unrelatedHistory, pathsUntouched: row.pathsUntouched ?? false },
    drift: row.drift,
    trigger: triggerOf(jobOf[row.trigger]),
    policy: { automated: true, selfHeal: false, ...row.policy },
    dependencies: row.dependencies ? { kind: row.dependencies } : undefined,
    now,
  };
}

describe('the decision of a reconcile', () => {
  for (const row of rows) {
    it(row.name, () => {
      assert.equal(describeAction(decide(inputOf(row))), row.action);
    });
  }

  it('covers every state and every trigger', () => {
    assert.deepEqual(new Set(rows.map((row) => row.status)), new Set(['Idle', 'Syncing', 'Progressing', 'Healthy', 'Degraded', 'Stalled']));
    assert.deepEqual(new Set(rows.map((row) => row.trigger)), new Set(Object.keys(jobOf)));
  });

  it('asks for the drift only where it may heal', () => {
    const healing = rows.find((row) => row.action === 'heal A' && row.status === 'Healthy');
    assert.ok(healing);
    assert.equal(needsDriftToDecide(inputOf(healing)), true);
    assert.equal(needsDriftToDecide(inputOf({ ...healing, policy: { selfHeal: false } })), false);
    assert.equal(needsDriftToDecide(inputOf({ ...healing, status: 'Progressing' })), false);
    assert.equal(needsDriftToDecide(inputOf({ ...healing, trigger: 'dryRun' })), false);
  });
});
