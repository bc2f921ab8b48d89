/**
 * One sync operation, start to end: give objects their namespaces, plan, create
 * the destination namespace if asked, apply PreSync and Sync groups, prune,
 * apply PostSync groups, run SyncFail hooks if anything failed, and roll the
 * change set up into a result with the inventory to record.
 *
 * Promises: invalid manifests throw `UnrecoverableSyncError` before anything is
 * written; every other expected failure is data in the result; a dry run writes
 * nothing and returns the same plan and change set a real run would start from;
 * nothing is pruned when anything before the prune failed.
 */
import { formatRef, refKey, refOf, type KubeObject, type ObjectRef } from '../objects.ts';
import { entryOf, syncObject, type ApplyContext } from './apply-object.ts';
import { applyGroups, type ApplyRun } from './apply.ts';
import {
  formatSummary, isRetryableFailure, summarizeChanges,
  type ChangeEntry, type ChangeSummary, type OperationPhase,
} from './change-set.ts';
import type { ClusterClient } from './cluster.ts';
import { renderedRevision, type RenderedRevision } from './desired.ts';
import { inventoryOf, inventoryUnion, inventoryWithout, type Inventory } from './inventory.ts';
import { isCustomResourceDefinition, isNamespace } from './kind-order.ts';
import { assignNamespaces } from './namespaces.ts';
import { resolveSyncOptions, type SyncOptions } from './options.ts';
import { planSteps, planSync, type PlanGroup, type PlanStep, type SyncPlan } from './plan.ts';
import { planPrune, prune, type PruneResult } from './prune.ts';

export const syncReasons = {
  Synced: 'Synced',
  ApplyFailed: 'ApplyFailed',
  HookFailed: 'HookFailed',
  PruneFailed: 'PruneFailed',
  PruneRefused: 'PruneRefused',
} as const;
export type SyncReason = (typeof syncReasons)[keyof typeof syncReasons];

export interface SyncRequest {
  desired: RenderedRevision;
  /** The inventory recorded by the previous sync; `emptyInventory` for the first. */
  previousInventory: Inventory;
}

export interface SyncResult {
  revision: string;
  dryRun: boolean;
  phase: OperationPhase;
  reason: SyncReason;
  message: string;
  /** Every failure was transient: retrying the operation may succeed. */
  retryable: boolean;
  plan: SyncPlan;
  /** In order: not applied (Skip, Helm tests), CreateNamespace, PreSync, Sync, prune, PostSync, SyncFail. */
  changeSet: ChangeEntry[];
  summary: ChangeSummary;
  /** The inventory to record; the previous one, untouched, after a dry run. */
  inventory: Inventory;
  startedAt: number;
  finishedAt: number;
}

function namespaceStep(name: string): PlanStep {
  const object: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  return { object, ref: refOf(object), phase: 'PreSync', wave: 0, stage: 'Definitions', hook: undefined, options: { force: false, prune: false }, movedUpFor: undefined };
}

/** CreateNamespace: create the destination namespace when missing; leave an existing one alone. */
async function ensureNamespace(name: string, context: ApplyContext): Promise<ChangeEntry> {
  const step = namespaceStep(name);
  try {
    if (await context.client.get(step.ref)) return entryOf(step, 'unchanged', 'exists (CreateNamespace)');
  } catch (error) {
    return entryOf(step, 'failed', `${formatRef(step.ref)}: read failed: ${(error as Error).message}`);
  }
  const entry = await syncObject(step, { ...context, options: { ...context.options, appName: undefined } });
  return entry.action === 'failed' ? entry : { ...entry, message: `${entry.message} (CreateNamespace)` };
}

function crdsOfPlan(steps: readonly PlanStep[]): Map<string, ObjectRef> {
  const crds = new Map<string, ObjectRef>();
  for (const step of steps) {
    if (!isCustomResourceDefinition(step.ref)) continue;
    const spec = step.object.spec as { group?: unknown; names?: { kind?: unknown } } | undefined;
    if (typeof spec?.group === 'string' && typeof spec.names?.kind === 'string') crds.set(`${spec.group}/${spec.names.kind}`, step.ref);
  }
  return crds;
}

const applied = new Set<ChangeEntry['action']>(['created', 'configured', 'unchanged']);

function reasonOf(entries: readonly ChangeEntry[], pruneEntries: ReadonlySet<ChangeEntry>): SyncReason {
  const first = entries.find((entry) => entry.action === 'failed');
  if (first === undefined) return 'Synced';
  if (pruneEntries.has(first)) return 'PruneFailed';
  return first.hook ? 'HookFailed' : 'ApplyFailed';
}

/** Run one sync operation against `client`. */
export async function runSync(client: ClusterClient, request: SyncRequest, given: Partial<SyncOptions> = {}): Promise<SyncResult> {
  const options = resolveSyncOptions(given);
  const startedAt = options.clock.now();
  const { desired, previousInventory } = request;
  const objects = await assignNamespaces(desired.objects, options.destinationNamespace, client);
  const plan = planSync(objects);
  const steps = planSteps(plan);
  const destination = options.createNamespace ? options.destinationNamespace : undefined;
  const desiredNamespaces = new Set(steps.filter((step) => isNamespace(step.ref)).map((step) => step.ref.name));
  const crdOfKind = crdsOfPlan(steps);
  const context: ApplyContext = {
    client,
    options,
    plannedNamespaces: new Set([...desiredNamespaces, ...(destination === undefined ? [] : [destination])]),
    plannedKinds: new Set(crdOfKind.keys()),
  };
  const run: ApplyRun = { context, crdOfKind, established: new Map(), stoppedBy: undefined };
  const inPhases = (...phases: string[]): PlanGroup[] => plan.groups.filter((group) => phases.includes(group.phase));

  const changeSet: ChangeEntry[] = plan.notApplied.map(({ ref, message }) => ({ ref, action: 'skipped', message, phase: 'Sync', wave: 0, hook: true }));
  if (destination !== undefined && !desiredNamespaces.has(destination)) {
    const entry = await ensureNamespace(destination, context);
    changeSet.push(entry);
    if (entry.action === 'failed') run.stoppedBy = formatRef(entry.ref);
  }
  changeSet.push(...await applyGroups(inPhases('PreSync', 'Sync'), run));

  const prunePlan = planPrune(previousInventory, renderedRevision(desired.revision, objects), options);
  let pruned: PruneResult;
  if (run.stoppedBy === undefined) {
    pruned = await prune(prunePlan, client, options);
    const failure = pruned.entries.find((entry) => entry.action === 'failed');
    if (failure !== undefined) run.stoppedBy = formatRef(failure.ref);
  } else {
    const message = `not pruned: ${run.stoppedBy} failed`;
    pruned = { entries: prunePlan.candidates.map((ref) => ({ ref, action: 'skipped', message, phase: 'Sync', wave: 0, hook: false })), kept: prunePlan.candidates, released: [] };
  }
  changeSet.push(...pruned.entries);
  changeSet.push(...await applyGroups(inPhases('PostSync'), run));
  changeSet.push(...await applyGroups(inPhases('SyncFail'), run, true));

  const failedReason = reasonOf(changeSet, new Set(pruned.entries));
  const reason: SyncReason = failedReason === 'Synced' && prunePlan.kind === 'refused' && options.prune ? 'PruneRefused' : failedReason;
  const phase: OperationPhase = reason === 'Synced' ? 'Succeeded' : 'Failed';
  const summary = summarizeChanges(changeSet);
  const firstFailure = changeSet.find((entry) => entry.action === 'failed');
  const message = reason === 'Synced'
    ? `${options.dryRun ? 'dry run of' : 'synced'} revision ${desired.revision}: ${formatSummary(summary)}`
    : reason === 'PruneRefused' && prunePlan.kind === 'refused'
      ? prunePlan.message
      : `${firstFailure?.message ?? reason}${summary.failed > 1 ? ` (and ${summary.failed - 1} more failures)` : ''}`;

  let inventory = previousInventory;
  if (!options.dryRun) {
    const managed = steps.filter((step) => step.hook === undefined).map((step) => step.ref);
    const appliedKeys = new Set(changeSet.filter((entry) => !entry.hook && applied.has(entry.action)).map((entry) => refKey(entry.ref)));
    const base = phase === 'Succeeded'
      ? inventoryOf(managed)
      : inventoryUnion(previousInventory, inventoryOf(managed.filter((ref) => appliedKeys.has(refKey(ref)))));
    inventory = inventoryWithout(inventoryUnion(base, inventoryOf(pruned.kept)), pruned.released);
  }
  return {
    revision: desired.revision,
    dryRun: options.dryRun,
    phase,
    reason,
    message,
    retryable: reason !== 'PruneRefused' && isRetryableFailure(changeSet),
    plan,
    changeSet,
    summary,
    inventory,
    startedAt,
    finishedAt: options.clock.now(),
  };
}
