/**
 * Sync of one planned object: a server-side apply dry run, a comparison of the
 * prediction with the live object, and a real apply only when something
 * changed, so an unchanged object keeps its resourceVersion. An object that
 * does not exist is applied without a dry run (outside dry-run mode). A
 * prediction and a read of different versions of the object (a controller wrote
 * in between) are read again before they are compared. Immutable-field
 * rejections are reported for the object, or, when forced, answered by deleting
 * and recreating it. Never throws: every outcome is a change-set entry.
 */
import { annotations, formatRef, type KubeObject, type ObjectRef } from '../objects.ts';
import type { ChangeAction, ChangeEntry } from './change-set.ts';
import { clusterErrorReasonOf, type ClusterClient } from './cluster.ts';
import type { ClusterErrorReason } from './errors.ts';
import { isOwnedByBerth } from './drift.ts';
import { isSameVersion, readConsistently, type Reading } from './live-objects.ts';
import type { SyncOptions } from './options.ts';
import type { PlanStep } from './plan.ts';
import { pollUntil } from './wait.ts';

export interface ApplyContext {
  client: ClusterClient;
  options: SyncOptions;
  /** Namespaces this sync creates (desired ones and CreateNamespace's). */
  plannedNamespaces: ReadonlySet<string>;
  /** `group/kind` of every kind a CRD of this sync defines. */
  plannedKinds: ReadonlySet<string>;
}

export function entryOf(step: PlanStep, action: ChangeAction, message: string, errorReason?: ClusterErrorReason): ChangeEntry {
  const entry: ChangeEntry = { ref: step.ref, action, message, phase: step.phase, wave: step.wave, hook: step.hook !== undefined };
  if (errorReason !== undefined) entry.errorReason = errorReason;
  return entry;
}

export function failedEntry(step: PlanStep, what: string, error: unknown): ChangeEntry {
  const detail = error instanceof Error ? error.message : String(error);
  return entryOf(step, 'failed', `${formatRef(step.ref)}: ${what}: ${detail}`, clusterErrorReasonOf(error));
}

/** The object as Berth applies it: server-written metadata dropped, the owning app recorded. */
export function applyPayload(object: KubeObject, appName: string | undefined): KubeObject {
  const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, managedFields: _mf, generation: _gen, ...metadata } = object.metadata;
  const { status: _status, ...rest } = object;
  const payload: KubeObject = { ...rest, metadata };
  if (appName !== undefined) payload.metadata.annotations = { ...metadata.annotations, [annotations.app]: appName };
  return payload;
}

/** Delete an object and wait until the API server no longer has it (finalizers done). */
export async function deleteAndWait(ref: ObjectRef, context: ApplyContext): Promise<{ gone: true } | { gone: false; message: string }> {
  const { client, options } = context;
  await client.delete(ref, { propagation: 'Foreground' });
  const result = await pollUntil(
    async () => ((await client.get(ref)) === undefined ? { done: true, value: true } : { done: false, message: 'still terminating' }),
    { clock: options.clock, timeoutMs: options.deleteTimeoutMs, intervalMs: options.pollIntervalMs },
  );
  return result.timedOut ? { gone: false, message: `still present ${options.deleteTimeoutMs / 1000}s after deletion` } : { gone: true };
}

function missingDependency(ref: ObjectRef, context: ApplyContext): string | undefined {
  if (context.plannedKinds.has(`${ref.group}/${ref.kind}`)) return `the CustomResourceDefinition of ${ref.kind}`;
  if (ref.namespace !== '' && context.plannedNamespaces.has(ref.namespace)) return `Namespace/${ref.namespace}`;
  return undefined;
}

async function recreate(step: PlanStep, payload: KubeObject, context: ApplyContext, cause: unknown): Promise<ChangeEntry> {
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (context.options.dryRun) return entryOf(step, 'configured', `would be deleted and recreated (dry run): ${detail}`);
  const deleted = await deleteAndWait(step.ref, context);
  if (!deleted.gone) return entryOf(step, 'failed', `${formatRef(step.ref)}: recreate failed: ${deleted.message}`, 'Transient');
  await context.client.apply(payload, { dryRun: false, forceConflicts: context.options.forceConflicts });
  return entryOf(step, 'configured', `deleted and recreated: ${detail}`);
}

/** What a failed dry run means for the object; undefined when it is a failure to report as it is. */
async function dryRunFailure(step: PlanStep, payload: KubeObject, context: ApplyContext, error: unknown): Promise<ChangeEntry | undefined> {
  const { options } = context;
  const reason = clusterErrorReasonOf(error);
  if (reason === 'Immutable') {
    if (!options.force && !step.options.force) {
      return entryOf(step, 'failed', `${formatRef(step.ref)}: immutable field changed: ${(error as Error).message}; `
        + `set ${annotations.syncOptions}: Force=true to delete and recreate it`, reason);
    }
    try {
      return await recreate(step, payload, context, error);
    } catch (cause) {
      return failedEntry(step, 'recreate failed', cause);
    }
  }
  const dependency = options.dryRun && reason === 'NotFound' ? missingDependency(step.ref, context) : undefined;
  if (dependency !== undefined) {
    return entryOf(step, 'created', `would be created (dry run; not validated by the server: ${dependency} does not exist yet)`);
  }
  return undefined;
}

/** Reads the live object of a step; `client.get` unless the group was listed at once. */
export type ReadLive = (step: PlanStep) => Promise<KubeObject | undefined>;

export async function syncObject(step: PlanStep, context: ApplyContext, readLive?: ReadLive): Promise<ChangeEntry> {
  const { client, options } = context;
  const payload = applyPayload(step.object, options.appName);
  const forceConflicts = options.forceConflicts;
  const dry = options.dryRun ? ' (dry run)' : '';
  let stage = 'read failed';
  const dryRun = async (live: KubeObject | undefined): Promise<Reading<ChangeEntry>> => {
    stage = 'dry run failed';
    try {
      return { predicted: await client.apply(payload, { dryRun: true, forceConflicts }), live };
    } catch (error) {
      const entry = await dryRunFailure(step, payload, context, error);
      if (entry === undefined) throw error;
      return { failure: entry, live };
    }
  };
  try {
    let live = await (readLive === undefined ? client.get(step.ref) : readLive(step));
    if (step.hook?.deletePolicies.includes('BeforeHookCreation') && live !== undefined) {
      if (options.dryRun) return entryOf(step, 'created', 'the previous run would be deleted and the hook created again (dry run)');
      stage = 'delete before hook creation failed';
      const deleted = await deleteAndWait(step.ref, context);
      if (!deleted.gone) return entryOf(step, 'failed', `${formatRef(step.ref)}: ${stage}: ${deleted.message}`, 'Transient');
      live = undefined;
    }
    if (live === undefined && !options.dryRun) {
      // Nothing to compare a prediction with, and the apply validates and admits
      // exactly as its dry run would: the dry run would only cost a request.
      stage = 'apply failed';
      await client.apply(payload, { dryRun: false, forceConflicts });
      return entryOf(step, 'created', 'created');
    }
    // A controller that wrote between the read and the dry run (the deployment
    // controller's revision annotation right after a create) would otherwise look
    // like drift, and a sync with nothing changed would apply again. The read is
    // the side behind, so it is repeated first; the dry run only if that is not enough.
    const reading = await readConsistently(await dryRun(live), async (previous) => {
      stage = 'read failed';
      const again = await client.get(step.ref);
      return isSameVersion(previous.predicted, again) ? { predicted: previous.predicted, live: again } : dryRun(again);
    }, options.consistencyRetries);
    if ('failure' in reading) return reading.failure;
    live = reading.live;
    if (live !== undefined && !options.hasDrifted(reading.predicted, live, options) && isOwnedByBerth(live)) {
      return entryOf(step, 'unchanged', 'unchanged');
    }
    const action: ChangeAction = live === undefined ? 'created' : 'configured';
    if (options.dryRun) return entryOf(step, action, `${action}${dry}`);
    stage = 'apply failed';
    await client.apply(payload, { dryRun: false, forceConflicts });
    return entryOf(step, action, action);
  } catch (error) {
    return failedEntry(step, stage, error);
  }
}
