/**
 * Refuse an automatic sync of a commit from an unrelated history
 * (history-guard.ts): the state machine records it as a failed render, so
 * nothing is applied or pruned, the deployed commit keeps running, and the
 * commit is not tried again until the tracked ref moves (a manual sync accepts it).
 */
import type { ReleaseStep } from '../../../../sync/index.ts';
import type { Observed } from '../observe.ts';
import { stepRelease } from './release-deps.ts';

export async function refuseRevision(observed: Observed, revision: string, message: string, now: Date): Promise<ReleaseStep> {
  return stepRelease(observed, { type: 'revision', revision, initiator: observed.trigger.initiator }, now, message);
}
