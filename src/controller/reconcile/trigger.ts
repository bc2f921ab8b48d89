/**
 * Why a reconcile runs, read once from its job: the reason and the operation a
 * person asked for become one closed `Trigger`, and every later question (is it
 * automatic? which commit? resolve the ref afresh? override prune?) is answered
 * from it, never from the job again.
 *
 * "Automatic" means one thing: nobody asked for this sync through the API. An
 * automatic trigger needs an automated sync policy, passes the unrelated-history
 * guard and the changed-path filter, and never re-applies a revision that failed.
 * A manual sync or rollback needs none of that; a dry run writes nothing.
 *
 * Whether the tracked ref is resolved at the Git server or from the refs shared
 * across Applications and replicas is decided here too (`resolvesFresh`), once.
 */
import type { ReconcileJob } from '../../queue/reconcile-job.ts';

export const triggerKinds = {
  poll: 'poll',
  webhook: 'webhook',
  watch: 'watch',
  startup: 'startup',
  /** The time a release step asked for (a rollout check, a retry) has come. */
  recheck: 'recheck',
  /** A person asked to look again (resolve the ref afresh, check drift); syncs only if automated. */
  refresh: 'refresh',
  manualSync: 'manualSync',
  manualRollback: 'manualRollback',
  dryRun: 'dryRun',
} as const;
export type TriggerKind = (typeof triggerKinds)[keyof typeof triggerKinds];

export interface Trigger {
  kind: TriggerKind;
  /** Nobody asked for a sync: poll, webhook, watch, startup, recheck, refresh. */
  automatic: boolean;
  /** Who the release history names. */
  initiator: 'auto' | 'webhook' | 'manual';
  /** The commit an operation names; it replaces the tracked ref for this reconcile. */
  revision: string | undefined;
  /** Resolve the tracked ref at the Git server, not from refs another replica listed moments ago. */
  fresh: boolean;
  /** `prune` as the operation overrides it. */
  prune: boolean | undefined;
  /** Who asked, for the operation report. */
  requestedBy: string | undefined;
}

function kindOf(job: ReconcileJob): TriggerKind {
  const { operation } = job;
  if (operation?.kind === 'sync') return operation.dryRun === true ? 'dryRun' : 'manualSync';
  if (operation?.kind === 'rollback') return 'manualRollback';
  if (operation?.kind === 'refresh') return 'refresh';
  return job.reason === 'manual' ? 'manualSync' : job.reason;
}

export function triggerOf(job: ReconcileJob): Trigger {
  const kind = kindOf(job);
  const automatic = kind !== 'manualSync' && kind !== 'manualRollback' && kind !== 'dryRun';
  const operation = job.operation;
  const revision = operation?.kind === 'rollback' || operation?.kind === 'sync' ? operation.revision : undefined;
  return {
    kind,
    automatic,
    initiator: !automatic ? 'manual' : kind === 'webhook' ? 'webhook' : 'auto',
    revision,
    // A webhook, a person, or an announced commit may be newer than the shared refs.
    fresh: kind === 'webhook' || !automatic || kind === 'refresh' || job.revision !== undefined,
    prune: operation?.kind === 'sync' ? operation.prune : undefined,
    requestedBy: job.requestedBy,
  };
}

/**
 * Resolve the tracked ref at the Git server for this reconcile? Yes for what the
 * trigger asks fresh (`Trigger.fresh`), and for the first reconcile of an
 * Application new to this controller (start-up or watch, nothing applied yet):
 * the refs another Application listed moments ago may predate the commit that
 * added its path. That is one listing per new Application; polls, rechecks and
 * the watches of a running Application keep sharing one listing per ref change.
 */
export function resolvesFresh(trigger: Trigger, record: { appliedRevision: string | undefined }): boolean {
  if (trigger.fresh) return true;
  return (trigger.kind === 'startup' || trigger.kind === 'watch') && record.appliedRevision === undefined;
}
