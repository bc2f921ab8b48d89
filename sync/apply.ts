/**
 * Applies the groups of a plan in order, the steps of one group with bounded
 * parallelism. Before a group, the CRDs its custom resources need are waited
 * for until Established; after a group, its hooks are waited for until they
 * finish, and deleted as their policy says.
 *
 * A failure lets the rest of its group finish (those objects were already in
 * flight and do not depend on each other), then stops: every later group is
 * reported `skipped`, naming the failure. Hooks count: a failed hook stops the
 * sync like a failed apply. A hook with `generateName` is given a fresh name per
 * run here (server-side apply needs one) and followed and deleted by that name.
 */
import { randomInt } from 'node:crypto';
import { formatRef, type KubeObject, type ObjectRef } from '../objects.ts';
import type { ChangeEntry } from './change-set.ts';
import { entryOf, failedEntry, syncObject, type ApplyContext, type ReadLive } from './apply-object.ts';
import { generatedName, hookOutcome } from './hooks.ts';
import { listedReader } from './live-objects.ts';
import type { PlanGroup, PlanStep } from './plan.ts';
import { mapBounded, pollUntil } from './wait.ts';

/** Carried across the groups of one operation: the first failure, once there is one. */
export interface ApplyRun {
  context: ApplyContext;
  /** `group/kind` of planned CRDs, to the CRD's ref. */
  crdOfKind: ReadonlyMap<string, ObjectRef>;
  established: Map<string, Promise<string | undefined>>;
  stoppedBy: string | undefined;
}

function isEstablished(crd: KubeObject): boolean {
  const conditions = (crd.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((condition) => condition.type === 'Established' && condition.status === 'True');
}

/** Wait for a CRD to be Established; resolves undefined when it is, else why not. */
function waitEstablished(crd: ObjectRef, run: ApplyRun): Promise<string | undefined> {
  const key = crd.name;
  let pending = run.established.get(key);
  if (pending === undefined) {
    const { client, options } = run.context;
    pending = pollUntil(
      async () => {
        const live = await client.get(crd);
        return live !== undefined && isEstablished(live) ? { done: true, value: undefined } : { done: false, message: live === undefined ? 'it does not exist' : 'it is not Established' };
      },
      { clock: options.clock, timeoutMs: options.crdEstablishedTimeoutMs, intervalMs: options.pollIntervalMs },
    ).then(
      (result) => (result.timedOut ? `${formatRef(crd)} is not Established after ${options.crdEstablishedTimeoutMs / 1000}s: ${result.message}` : undefined),
      (error: unknown) => `${formatRef(crd)}: reading it failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    run.established.set(key, pending);
  }
  return pending;
}

async function runHook(step: PlanStep, entry: ChangeEntry, run: ApplyRun): Promise<ChangeEntry> {
  const { client, options } = run.context;
  const outcome = await pollUntil(
    async () => {
      const live = await client.get(step.ref);
      if (live === undefined) return { done: false, message: 'the hook does not exist' };
      const result = hookOutcome(live);
      return result.kind === 'running' ? { done: false, message: result.message } : { done: true, value: result };
    },
    { clock: options.clock, timeoutMs: options.hookTimeoutMs, intervalMs: options.pollIntervalMs },
  );
  if (outcome.timedOut) {
    return entryOf(step, 'failed', `${formatRef(step.ref)}: hook did not finish within ${options.hookTimeoutMs / 1000}s: ${outcome.message}`);
  }
  const { kind, message } = outcome.value;
  const policy = kind === 'succeeded' ? 'HookSucceeded' : 'HookFailed';
  if (step.hook?.deletePolicies.includes(policy)) await client.delete(step.ref, { propagation: 'Background' });
  return kind === 'succeeded'
    ? entryOf(step, entry.action, `${entry.message}; ${message}`)
    : entryOf(step, 'failed', `${formatRef(step.ref)}: hook failed: ${message}`);
}

/**
 * Reads the live objects of one group: with a client that can list, a kind in a
 * namespace with at least `listThreshold` steps is read with one list. Per group,
 * because the steps of one group are read at about the same time anyway; an object
 * that changed after the list is caught by its dry run's resourceVersion and read
 * again. Hooks are always read with a get: they are few, and may be recreated.
 */
function groupReader(group: PlanGroup, context: ApplyContext): ReadLive {
  const { client, options } = context;
  const lister = client.list === undefined ? undefined : { list: client.list.bind(client) };
  const objects = group.steps.filter((step) => step.hook === undefined).map((step) => step.object);
  const listed = listedReader(objects, lister, options.listThreshold, () => undefined);
  return async (step) => {
    const listing = step.hook === undefined ? await listed(step.object) : undefined;
    return listing?.listed ? listing.live : client.get(step.ref);
  };
}

/**
 * One run of a `generateName` hook: the object and ref under a name made as the
 * API server would make it. Its previous runs have other names, so
 * BeforeHookCreation finds nothing to delete (as in Argo CD); HookSucceeded and
 * HookFailed delete this run.
 */
function namedRun(step: PlanStep): PlanStep {
  const prefix = step.hook?.generateName;
  if (prefix === undefined) return step;
  const name = generatedName(prefix, (n) => randomInt(n));
  const { generateName: _prefix, ...metadata } = step.object.metadata;
  return { ...step, object: { ...step.object, metadata: { ...metadata, name } }, ref: { ...step.ref, name } };
}

async function applyGroup(group: PlanGroup, run: ApplyRun): Promise<ChangeEntry[]> {
  const { options } = run.context;
  const blocked = new Map<PlanStep, string>();
  if (!options.dryRun) {
    for (const step of group.steps) {
      const crd = run.crdOfKind.get(`${step.ref.group}/${step.ref.kind}`);
      const problem = crd === undefined ? undefined : await waitEstablished(crd, run);
      if (problem !== undefined) blocked.set(step, problem);
    }
  }
  const readLive = groupReader(group, run.context);
  return mapBounded(group.steps, options.concurrency, async (planned) => {
    const problem = blocked.get(planned);
    if (problem !== undefined) return entryOf(planned, 'failed', `${formatRef(planned.ref)}: not applied: ${problem}`);
    const step = namedRun(planned);
    const entry = await syncObject(step, run.context, readLive);
    if (step.hook === undefined || entry.action === 'failed' || options.dryRun) return entry;
    try {
      return await runHook(step, entry, run);
    } catch (error) {
      return failedEntry(step, 'hook failed', error);
    }
  });
}

/**
 * Apply `groups` in order unless the run already stopped; records the first
 * failure in `run.stoppedBy`. With `runsAfterFailure` (SyncFail hooks) the
 * groups run only when the run has stopped, and are skipped otherwise.
 */
export async function applyGroups(groups: readonly PlanGroup[], run: ApplyRun, runsAfterFailure = false): Promise<ChangeEntry[]> {
  const entries: ChangeEntry[] = [];
  for (const group of groups) {
    const skipReason = runsAfterFailure
      ? (run.stoppedBy === undefined ? 'SyncFail hook: runs only when the sync fails' : run.context.options.dryRun ? 'SyncFail hook: not run in a dry run' : undefined)
      : (run.stoppedBy === undefined ? undefined : `not applied: ${run.stoppedBy} failed`);
    if (skipReason !== undefined) {
      entries.push(...group.steps.map((step) => entryOf(step, 'skipped', skipReason)));
      continue;
    }
    const results = await applyGroup(group, run);
    entries.push(...results);
    const failure = results.find((entry) => entry.action === 'failed');
    if (failure !== undefined && run.stoppedBy === undefined) run.stoppedBy = formatRef(failure.ref);
  }
  return entries;
}
