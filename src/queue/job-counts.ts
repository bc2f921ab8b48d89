/**
 * Queue depth by state, for metrics (a gauge per state) and the status API.
 * Every state is always present, zero included, so a gauge never goes stale.
 */
import type { Queue } from 'bullmq';

export const jobStates = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;
export type JobStateName = (typeof jobStates)[number];
export type JobCounts = Record<JobStateName, number>;

export async function jobCountsByState(queue: Queue): Promise<JobCounts> {
  const raw = await queue.getJobCounts(...jobStates);
  const counts = {} as JobCounts;
  for (const state of jobStates) counts[state] = raw[state] ?? 0;
  return counts;
}
