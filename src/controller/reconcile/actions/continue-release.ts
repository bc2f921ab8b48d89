/**
 * Carry on with the release in flight when its time has come: check the
 * rollout's health again, or make the retry its backoff scheduled.
 */
import type { ReleaseStep } from '../../../../sync/index.ts';
import type { Observed } from '../observe.ts';
import { stepRelease } from './release-deps.ts';

export async function continueRelease(observed: Observed, now: Date): Promise<ReleaseStep> {
  return stepRelease(observed, { type: 'recheck' }, now);
}
