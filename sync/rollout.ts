/**
 * The rollout check: one step of waiting for the applied objects to become
 * Healthy. It is a pure function of persisted state, fresh observations and the
 * time, so the caller can run it, store nothing new, and schedule the next check
 * (`recheckAt`) instead of holding a queue worker for the whole wait.
 *
 * Failed means: any object Degraded, or not every object Healthy when the
 * health timeout has passed. Suspended counts as settled (a paused Deployment or
 * a suspended CronJob is what the manifests asked for); Missing and Unknown are
 * waited on like Progressing, until the timeout.
 */
import { formatRef, type ObjectRef } from '../objects.ts';
import type { Health } from '../health/index.ts';

/** What is persisted between checks of one rollout. */
export interface RolloutState {
  revision: string;
  /** Epoch milliseconds when the apply finished. */
  startedAt: number;
  healthTimeoutMs: number;
}

export interface RolloutObservation {
  ref: ObjectRef;
  health: Health;
}

export type RolloutCheck =
  | { kind: 'progressing'; message: string; pending: ObjectRef[]; recheckAt: number }
  | { kind: 'healthy'; message: string }
  | { kind: 'failed'; reason: RolloutFailureReason; message: string };

export const rolloutFailureReasons = { Degraded: 'Degraded', HealthTimeout: 'HealthTimeout' } as const;
export type RolloutFailureReason = (typeof rolloutFailureReasons)[keyof typeof rolloutFailureReasons];

export interface RolloutCheckOptions {
  /** Delay until the next check while progressing; capped at the deadline. */
  recheckIntervalMs: number;
}

export function defaultRolloutCheckOptions(): RolloutCheckOptions {
  return { recheckIntervalMs: 5_000 };
}

function describe(observations: readonly RolloutObservation[]): string {
  const shown = observations.slice(0, 3).map(({ ref, health }) => `${formatRef(ref)} is ${health.status}${health.message ? `: ${health.message}` : ''}`);
  return observations.length > 3 ? `${shown.join('; ')}; and ${observations.length - 3} more` : shown.join('; ');
}

export function checkRollout(
  state: RolloutState,
  observations: readonly RolloutObservation[],
  now: number,
  options: RolloutCheckOptions = defaultRolloutCheckOptions(),
): RolloutCheck {
  const degraded = observations.filter(({ health }) => health.status === 'Degraded');
  if (degraded.length > 0) {
    return { kind: 'failed', reason: 'Degraded', message: `revision ${state.revision}: ${describe(degraded)}` };
  }
  const pending = observations.filter(({ health }) => health.status !== 'Healthy' && health.status !== 'Suspended');
  if (pending.length === 0) {
    return { kind: 'healthy', message: `revision ${state.revision}: all ${observations.length} objects are Healthy` };
  }
  const deadline = state.startedAt + state.healthTimeoutMs;
  if (now >= deadline) {
    return {
      kind: 'failed',
      reason: 'HealthTimeout',
      message: `revision ${state.revision}: not Healthy within ${Math.round(state.healthTimeoutMs / 1000)}s: ${describe(pending)}`,
    };
  }
  return {
    kind: 'progressing',
    message: `revision ${state.revision}: waiting for ${pending.length} of ${observations.length} objects: ${describe(pending)}`,
    pending: pending.map(({ ref }) => ref),
    recheckAt: Math.min(deadline, now + options.recheckIntervalMs),
  };
}
