/**
 * History of an Application's operations (syncs, failures, rollbacks): the
 * entry type and pure functions that append one and finish one, keeping the
 * last `limit` entries. Ids grow by one and are never reused, so an entry can be
 * finished by id after newer ones were appended.
 */
import type { ChangeSummary, OperationPhase } from './change-set.ts';
import type { Initiator } from './rollback-state.ts';

export interface HistoryEntry {
  id: number;
  revision: string;
  initiator: Initiator;
  /** `Running` until the operation finishes. */
  phase: OperationPhase | 'Running';
  /** ISO 8601. */
  startedAt: string;
  finishedAt: string | undefined;
  changes: ChangeSummary | undefined;
  message: string;
}

export const defaultHistoryLimit = 10;

export function appendHistory(
  history: readonly HistoryEntry[],
  entry: Omit<HistoryEntry, 'id'>,
  limit: number = defaultHistoryLimit,
): HistoryEntry[] {
  const id = history.reduce((max, item) => Math.max(max, item.id), 0) + 1;
  return [...history, { ...entry, id }].slice(-Math.max(1, limit));
}

/** Set the outcome of entry `id`; history without that entry (already trimmed) is returned as it is. */
export function finishHistoryEntry(
  history: readonly HistoryEntry[],
  id: number,
  outcome: { phase: OperationPhase; finishedAt: string; message: string; changes?: ChangeSummary },
): HistoryEntry[] {
  return history.map((entry) => (entry.id === id ? { ...entry, ...outcome, changes: outcome.changes ?? entry.changes } : entry));
}
