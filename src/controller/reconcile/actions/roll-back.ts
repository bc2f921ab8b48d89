/**
 * A person's rollback to a commit from the Application's history: synced as a
 * manual sync of that commit, which the tracked ref's failed-revision mark does
 * not stop. (The automatic rollback after a failed rollout is the state
 * machine's, within a release step.)
 */
import type { ReleaseStep } from '../../../../sync/index.ts';
import type { Observed } from '../observe.ts';
import { stepRelease } from './release-deps.ts';

export async function rollBack(observed: Observed, revision: string, now: Date): Promise<ReleaseStep> {
  return stepRelease(observed, { type: 'revision', revision, initiator: 'manual' }, now);
}
