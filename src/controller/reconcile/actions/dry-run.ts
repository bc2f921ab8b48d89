/**
 * A person's dry run: plan the sync of a revision and dry-run it on the
 * server. Writes nothing and persists nothing; its result goes to the logs and
 * the API (the operation report).
 */
import { formatRef } from '../../../../objects.ts';
import { renderedRevision, runSync } from '../../../../sync/index.ts';
import type { OperationReport } from '../../../server/status-store.ts';
import { renderCommit } from '../../render-revision.ts';
import type { Observed } from '../observe.ts';
import { syncOptionsOf } from './release-deps.ts';

const maxListedChanges = 200;

export async function dryRun(observed: Observed, now: () => Date): Promise<OperationReport> {
  const { app, deps, context, target, record, trigger } = observed;
  const report = (fields: Pick<OperationReport, 'phase' | 'message'> & Partial<OperationReport>): OperationReport => ({
    kind: 'sync', dryRun: true, revision: target.commit, finishedAt: now().toISOString(),
    ...(trigger.requestedBy ? { requestedBy: trigger.requestedBy } : {}), ...fields,
  });
  try {
    const rendered = await renderCommit(context, target);
    const options = { ...syncOptionsOf(app.spec, app.key, trigger.prune, observed.context.policy), dryRun: true };
    const result = await runSync(deps.cluster, { desired: renderedRevision(target.commit, rendered), previousInventory: record.inventory }, options);
    const changes = result.changeSet.filter((entry) => entry.action !== 'unchanged')
      .map((entry) => `${entry.action} ${formatRef(entry.ref)}${entry.action === 'failed' ? `: ${entry.message}` : ''}`);
    // The report lives in the small per-Application status key: the summary counts everything.
    const listed = changes.length > maxListedChanges ? [...changes.slice(0, maxListedChanges), `... and ${changes.length - maxListedChanges} more`] : changes;
    return report({ phase: result.phase, message: result.message, summary: result.summary, changes: listed });
  } catch (error) {
    return report({ phase: 'Failed', message: `dry run of ${target.commit} failed: ${error instanceof Error ? error.message : String(error)}` });
  }
}
