/**
 * Prune by inventory: objects Berth applied before (the previous inventory) that
 * left the desired set are deleted, in the reverse of the plan order (workloads
 * before what they use, Namespaces and CRDs last), only when pruning is on.
 *
 * Guards, each a promise of this module:
 * - it works from a `RenderedRevision`, so it cannot run after a failed render;
 * - an empty desired set prunes nothing unless `allowEmpty` is set (an empty
 *   render is far more often a wrong path than a wish to delete everything);
 * - an object annotated `berth.dev/sync-options: Prune=false` is kept;
 * - with an Application (`appName`), only an object whose live copy carries its
 *   mark (`berth.dev/app: <namespace>/<name>`) is deleted: the inventory says
 *   what Berth applied, the mark proves it on the object itself, so an
 *   inventory that names an object Berth never applied (a tampered or copied
 *   release record, issue 13) deletes nothing;
 * - a candidate the policy refuses (`mayDelete`) is neither read nor deleted.
 * A candidate kept for any of these reasons is reported `skipped` with the
 * reason and leaves the inventory: it is not, or no longer, this Application's.
 */
import { annotations, formatRef, refOf, type KubeObject, type ObjectRef } from '../objects.ts';
import type { ChangeEntry } from './change-set.ts';
import { clusterErrorReasonOf, type ClusterClient } from './cluster.ts';
import type { RenderedRevision } from './desired.ts';
import { inventoryDifference, type Inventory } from './inventory.ts';
import { stageOf } from './kind-order.ts';
import { objectSyncOptions, type SyncOptions } from './options.ts';
import { compareSteps, waveOf } from './plan.ts';
import { mapBounded } from './wait.ts';

export type PrunePlan =
  | { kind: 'ready'; candidates: ObjectRef[] }
  | { kind: 'refused'; candidates: ObjectRef[]; message: string };

/** What to prune: the previous inventory minus the desired set, refused for an empty desired set. */
export function planPrune(previous: Inventory, desired: RenderedRevision, options: { allowEmpty: boolean }): PrunePlan {
  const candidates = inventoryDifference(previous, desired.objects.map(refOf));
  if (desired.objects.length === 0 && candidates.length > 0 && !options.allowEmpty) {
    return {
      kind: 'refused',
      candidates,
      message: `revision ${desired.revision} renders no objects; refusing to prune all ${candidates.length} objects (set allowEmpty to allow it)`,
    };
  }
  return { kind: 'ready', candidates };
}

export interface PruneResult {
  entries: ChangeEntry[];
  /** Refs that stay in the inventory: not pruned (pruning off, failed delete). */
  kept: ObjectRef[];
  /** Refs that leave the inventory: deleted, already gone, or no longer Berth's to prune. */
  released: ObjectRef[];
}

function entry(ref: ObjectRef, action: ChangeEntry['action'], message: string, wave = 0): ChangeEntry {
  return { ref, action, message, phase: 'Sync', wave, hook: false };
}

function failure(ref: ObjectRef, error: unknown, wave = 0): ChangeEntry {
  const detail = error instanceof Error ? error.message : String(error);
  return { ...entry(ref, 'failed', `${formatRef(ref)}: prune failed: ${detail}`, wave), errorReason: clusterErrorReasonOf(error) };
}

function safeWave(live: KubeObject): number {
  try {
    return waveOf(live);
  } catch {
    return 0;
  }
}

/** Why a live candidate must not be deleted, or undefined when it may be. */
function keepReason(live: KubeObject, appName: string | undefined): string | undefined {
  try {
    if (!objectSyncOptions(live).prune) return `kept: ${annotations.syncOptions} says Prune=false`;
  } catch {
    return `kept: ${annotations.syncOptions} cannot be read`;
  }
  if (appName === undefined) return undefined;
  const owner = live.metadata.annotations?.[annotations.app];
  if (owner === undefined) return `not pruned: it does not carry ${annotations.app}: ${appName}, so this Application never applied it`;
  if (owner !== appName) return `kept: now managed by ${owner}`;
  return undefined;
}

/** Carry out a prune plan: report, and when pruning is on and this is no dry run, delete. */
export async function prune(plan: PrunePlan, client: ClusterClient, options: SyncOptions): Promise<PruneResult> {
  const result: PruneResult = { entries: [], kept: [], released: [] };
  if (plan.kind === 'refused' || !options.prune) {
    const message = options.prune && plan.kind === 'refused' ? `not pruned: ${plan.message}` : 'not pruned: pruning is off';
    result.entries = plan.candidates.map((ref) => entry(ref, 'skipped', message));
    result.kept = plan.candidates;
    return result;
  }
  const doomed: { ref: ObjectRef; wave: number }[] = [];
  const checked = await mapBounded(plan.candidates, options.concurrency, async (ref) => {
    const refused = options.mayDelete?.(ref);
    if (refused !== undefined) return { entry: entry(ref, 'skipped', `not pruned: ${refused}`), released: true };
    try {
      const live = await client.get(ref);
      const reason = live === undefined ? 'already gone' : keepReason(live, options.appName);
      if (live !== undefined && reason === undefined) doomed.push({ ref: refOf(live), wave: safeWave(live) });
      return reason === undefined ? undefined : { entry: entry(ref, 'skipped', reason), released: true };
    } catch (error) {
      return { entry: failure(ref, error), released: false };
    }
  });
  for (const [index, outcome] of checked.entries()) {
    if (outcome === undefined) continue;
    result.entries.push(outcome.entry);
    (outcome.released ? result.released : result.kept).push(plan.candidates[index] as ObjectRef);
  }
  const order = doomed
    .map((item) => ({ ...item, phase: 'Sync' as const, stage: stageOf(item.ref) }))
    .sort((a, b) => compareSteps(b, a));
  const batches: (typeof order)[] = [];
  for (const item of order) {
    const batch = batches.at(-1);
    if (batch?.[0]?.wave === item.wave && batch[0].stage === item.stage) batch.push(item);
    else batches.push([item]);
  }
  for (const batch of batches) {
    const deleted = await mapBounded(batch, options.concurrency, async ({ ref, wave }) => {
      if (options.dryRun) return { entry: entry(ref, 'deleted', 'deleted (dry run)', wave), released: true };
      try {
        await client.delete(ref, { propagation: options.propagation });
        return { entry: entry(ref, 'deleted', 'pruned', wave), released: true };
      } catch (error) {
        return { entry: failure(ref, error, wave), released: false };
      }
    });
    for (const outcome of deleted) {
      result.entries.push(outcome.entry);
      (outcome.released ? result.released : result.kept).push(outcome.entry.ref);
    }
  }
  return result;
}
