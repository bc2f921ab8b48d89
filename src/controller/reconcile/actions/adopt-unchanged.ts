/**
 * Adopt a commit that changes nothing this Application renders from (the
 * changed-path filter said so): the running objects are already that commit's,
 * so the state machine's RevisionUnchanged records it as applied and healthy,
 * with no sync, no rollout and no history entry.
 */
import type { ReleaseStep } from '../../../../sync/index.ts';
import type { Observed } from '../observe.ts';
import { stepRelease } from './release-deps.ts';

export async function adoptUnchanged(observed: Observed, revision: string, now: Date): Promise<ReleaseStep> {
  const message = `${revision.slice(0, 12)} changes nothing under ${observed.app.spec.source.path}`;
  return stepRelease(observed, { type: 'unchanged', revision, message }, now);
}
