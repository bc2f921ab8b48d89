/**
 * Sync a revision: a new commit of the tracked ref, or a person's sync. The
 * state machine decides what follows (a rollout check, a rollback); a revision
 * it holds back is not applied.
 */
import type { ReleaseStep } from '../../../../sync/index.ts';
import type { Observed } from '../observe.ts';
import { stepRelease } from './release-deps.ts';

export async function syncRevision(observed: Observed, revision: string, initiator: 'auto' | 'webhook' | 'manual', now: Date): Promise<ReleaseStep> {
  return stepRelease(observed, { type: 'revision', revision, initiator }, now);
}
