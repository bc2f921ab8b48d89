/**
 * What a reconcile does differently when a person asked for something through
 * the API (the job's `operation`): which commit to take (a sync to a named
 * revision, a rollback to a commit from history), which sync options to
 * override (prune), and a dry run, which plans and dry-runs the sync on the
 * server, persists nothing, and leaves its result in the logs and the API.
 */
import { formatRef } from '../../objects.ts';
import { renderedRevision, runSync, type ReleaseRecord, type SyncOptions } from '../../sync/index.ts';
import type { KubeClusterClient } from '../kube/cluster-client.ts';
import type { ReconcileJob } from '../queue/reconcile-job.ts';
import type { OperationReport } from '../server/status-store.ts';
import type { ResolvedRevision } from '../source/git-source.ts';
import { renderCommit, resolveTarget, type RenderContext } from './render-revision.ts';

const maxListedChanges = 200;

/** The revision an operation names, if any: it replaces the tracked ref for this one reconcile. */
export function operationRevision(job: ReconcileJob): string | undefined {
  const operation = job.operation;
  if (operation?.kind === 'rollback') return operation.revision;
  if (operation?.kind === 'sync') return operation.revision;
  return undefined;
}

/**
 * The commit this reconcile works on: the operation's revision when it names
 * one, else the tracked ref, asked afresh when a webhook, a person or an
 * operation announced something newer than the refs other replicas listed.
 */
export async function targetOf(context: RenderContext, job: ReconcileJob): Promise<ResolvedRevision> {
  const named = operationRevision(job);
  if (named !== undefined) return context.git.resolveRevision(context.repository, named, { maxAgeMs: 0 });
  return resolveTarget(context, job.reason === 'webhook' || job.reason === 'manual' || job.revision !== undefined || job.operation !== undefined);
}

/** Sync options the operation overrides (`prune`), on top of the spec's. */
export function operationSyncOptions(job: ReconcileJob): Partial<SyncOptions> {
  return job.operation?.kind === 'sync' && job.operation.prune !== undefined ? { prune: job.operation.prune } : {};
}

export function isDryRun(job: ReconcileJob): boolean {
  return job.operation?.kind === 'sync' && job.operation.dryRun === true;
}

/** Plans and dry-runs a sync of `target` on the server; writes nothing, returns what a sync would do. */
export async function dryRunSync(
  cluster: KubeClusterClient, context: RenderContext, target: ResolvedRevision, record: ReleaseRecord,
  options: Partial<SyncOptions>, job: ReconcileJob, now: () => Date,
): Promise<OperationReport> {
  const report = (fields: Pick<OperationReport, 'phase' | 'message'> & Partial<OperationReport>): OperationReport => ({
    kind: 'sync', dryRun: true, revision: target.commit, finishedAt: now().toISOString(),
    ...(job.requestedBy ? { requestedBy: job.requestedBy } : {}), ...fields,
  });
  try {
    const rendered = await renderCommit(context, target);
    const result = await runSync(cluster, { desired: renderedRevision(target.commit, rendered), previousInventory: record.inventory }, { ...options, dryRun: true });
    const changes = result.changeSet.filter((entry) => entry.action !== 'unchanged')
      .map((entry) => `${entry.action} ${formatRef(entry.ref)}${entry.action === 'failed' ? `: ${entry.message}` : ''}`);
    // The report lives in the small per-Application status key: the summary counts everything.
    const listed = changes.length > maxListedChanges ? [...changes.slice(0, maxListedChanges), `... and ${changes.length - maxListedChanges} more`] : changes;
    return report({ phase: result.phase, message: result.message, summary: result.summary, changes: listed });
  } catch (error) {
    return report({ phase: 'Failed', message: `dry run of ${target.commit} failed: ${error instanceof Error ? error.message : String(error)}` });
  }
}
