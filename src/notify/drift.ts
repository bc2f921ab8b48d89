/**
 * DriftDetected and DriftHealed: moves of the running revision's drift status,
 * which the drift check of every reconcile reports (record.ts). A pure function
 * of what was remembered and what was seen now; the memory is kept per
 * Application in Redis (event-sink.ts), so a move is told once whichever
 * replica sees it.
 *
 * Promises (drift.test.ts):
 * - only Synced <-> OutOfSync of one revision is a move; Unknown (the check
 *   could not tell) changes nothing;
 * - a new running revision starts afresh: its first check is a baseline, so
 *   the commit a sync just applied is never "drift";
 * - each move bumps `epoch`, so drift that comes back after it healed is told
 *   again (the event's occurrence), and a step run twice tells it once.
 */
import type { TransitionEvent } from './transitions.ts';

export interface DriftMemory {
  revision: string;
  status: 'Synced' | 'OutOfSync';
  epoch: number;
}

export interface DriftObservation {
  revision: string;
  status: 'Synced' | 'OutOfSync' | 'Unknown';
  /** What the drift check said, for the event's reason. */
  message: string;
}

export interface DriftMove {
  memory: DriftMemory | undefined;
  event: TransitionEvent | undefined;
}

export function driftMove(previous: DriftMemory | undefined, seen: DriftObservation): DriftMove {
  if (seen.status === 'Unknown') return { memory: previous, event: undefined };
  if (previous?.revision !== seen.revision) {
    return { memory: { revision: seen.revision, status: seen.status, epoch: previous?.epoch ?? 0 }, event: undefined };
  }
  if (previous.status === seen.status) return { memory: previous, event: undefined };
  const epoch = previous.epoch + 1;
  const type = seen.status === 'OutOfSync' ? 'DriftDetected' : 'DriftHealed';
  return { memory: { ...previous, status: seen.status, epoch }, event: { type, revision: seen.revision, reason: seen.message, occurrence: epoch } };
}
