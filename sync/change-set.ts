/**
 * The change set: what a sync did (or, in a dry run, would do) to each object,
 * with a message, and the operation phase rolled up from it. History, Events
 * and the status API all report this one structure.
 */
import type { ObjectRef } from '../objects.ts';
import type { ClusterErrorReason } from './errors.ts';
import type { SyncPhase } from './hooks.ts';

export const changeActions = {
  created: 'created',
  configured: 'configured',
  unchanged: 'unchanged',
  deleted: 'deleted',
  skipped: 'skipped',
  failed: 'failed',
} as const;
export type ChangeAction = (typeof changeActions)[keyof typeof changeActions];

export interface ChangeEntry {
  ref: ObjectRef;
  action: ChangeAction;
  /** Plain words; for a failure it starts with the object (`Deployment/shop/web: apply failed: ...`). */
  message: string;
  /** The phase the entry belongs to; prune entries are reported in the Sync phase. */
  phase: SyncPhase;
  wave: number;
  hook: boolean;
  /** For `failed`: the classified cause, so the caller can tell a retry from a dead end. */
  errorReason?: ClusterErrorReason;
}

export const operationPhases = { Succeeded: 'Succeeded', Failed: 'Failed' } as const;
export type OperationPhase = (typeof operationPhases)[keyof typeof operationPhases];

export type ChangeSummary = Record<ChangeAction, number>;

export function summarizeChanges(entries: readonly ChangeEntry[]): ChangeSummary {
  const summary: ChangeSummary = { created: 0, configured: 0, unchanged: 0, deleted: 0, skipped: 0, failed: 0 };
  for (const entry of entries) summary[entry.action] += 1;
  return summary;
}

/** One line for history and Events: `3 created, 1 configured, 12 unchanged`. */
export function formatSummary(summary: ChangeSummary): string {
  const parts = Object.entries(summary).filter(([, count]) => count > 0).map(([action, count]) => `${count} ${action}`);
  return parts.length > 0 ? parts.join(', ') : 'no objects';
}

/** Whether every failure of the change set may pass on a retry (and there is at least one). */
export function isRetryableFailure(entries: readonly ChangeEntry[]): boolean {
  const failures = entries.filter((entry) => entry.action === 'failed');
  return failures.length > 0 && failures.every((entry) => entry.errorReason === 'Transient');
}
