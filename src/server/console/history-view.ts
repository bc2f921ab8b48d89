/**
 * The history timeline as the console draws it: newest first, who or what
 * started each operation in words a person uses (poll, webhook, manual,
 * rollback; the controller's `auto` is the poll timer, a refresh or self-heal),
 * and each rollback with where it came from, where it went and why ("a1b2c3d
 * failed on Deployment/api: ProgressDeadlineExceeded; rolled back to 9f8e7d6").
 * Pure: from the history and release state the status already keeps.
 */
import type { ApplicationStatus, HistoryRecord } from '../../application/index.ts';
import { redactUrlCredentials } from '../../log.ts';
import { revisionView, type RevisionView } from './app-summary.ts';

export type ConsoleInitiator = 'poll' | 'webhook' | 'manual' | 'rollback';

export interface HistoryItem extends RevisionView {
  id: number;
  revision: string;
  initiator: ConsoleInitiator;
  phase: string;
  startedAt: string;
  finishedAt: string | null;
  changes: HistoryRecord['changes'] | null;
  message: string;
  rollback: { from: string; to: string; why: string; heldBack: boolean } | null;
}

export function initiatorOf(initiator: HistoryRecord['initiator']): ConsoleInitiator {
  return initiator === 'auto' ? 'poll' : initiator;
}

export function historyItems(status: ApplicationStatus | undefined, repoURL: string | undefined): HistoryItem[] {
  const oldestFirst = [...(status?.history ?? [])].sort((a, b) => a.id - b.id);
  const heldBack = status?.failedRevision ?? status?.release?.failedRevision;
  const items = oldestFirst.map((entry, index): HistoryItem => {
    let rollback: HistoryItem['rollback'] = null;
    if (entry.initiator === 'rollback') {
      // The entry the rollback answered: the newest failed one before it.
      const failed = oldestFirst.slice(0, index).reverse().find((earlier) => earlier.phase === 'Failed' && earlier.revision !== entry.revision);
      const from = failed?.revision ?? heldBack ?? '';
      const why = failed ? `${from.slice(0, 7)} failed: ${redactUrlCredentials(failed.message)}` : redactUrlCredentials(status?.release?.message ?? entry.message);
      rollback = { from, to: entry.revision, why, heldBack: from !== '' && from === heldBack };
    }
    return {
      ...revisionView(entry.revision, repoURL),
      id: entry.id, revision: entry.revision, initiator: initiatorOf(entry.initiator), phase: entry.phase,
      startedAt: entry.startedAt, finishedAt: entry.finishedAt ?? null, changes: entry.changes ?? null,
      message: redactUrlCredentials(entry.message), rollback,
    };
  });
  return items.reverse();
}
