/**
 * The tracked ref moved to a commit that changes nothing this Application
 * renders from (the changed-path filter said so): the running objects are
 * already that commit's, so it is adopted as applied and healthy without a sync,
 * a rollout or a history entry. Only from a settled Healthy release; anything
 * else (a rollout in progress, a failure) goes through the state machine.
 */
import type { ReleaseRecord } from './release.ts';

export function adoptUnchangedRevision(record: ReleaseRecord, revision: string, message: string): ReleaseRecord | undefined {
  const { state } = record;
  if (state.status !== 'Healthy' || record.appliedRevision === undefined || record.appliedRevision === revision) return undefined;
  return {
    ...record,
    appliedRevision: revision,
    // The ref moved to another commit, so a failed revision is no longer what it points at.
    state: { ...state, revision, lastHealthyRevision: revision, failedRevision: undefined, reason: 'RolloutSucceeded', message },
  };
}
