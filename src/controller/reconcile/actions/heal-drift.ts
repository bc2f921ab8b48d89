/**
 * Heal drift: someone changed what the running revision applied, and selfHeal
 * is on. The state machine's DriftDetected asks for a re-apply of the running
 * revision (never another one); history records it as `self-heal: ...`.
 */
import type { ReleaseStep } from '../../../../sync/index.ts';
import type { Observed } from '../observe.ts';
import { stepRelease } from './release-deps.ts';

export async function healDrift(observed: Observed, revision: string, now: Date): Promise<ReleaseStep> {
  observed.reads.forgetAll();
  return stepRelease(observed, { type: 'drift', revision }, now);
}
