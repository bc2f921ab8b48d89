/**
 * Options of a sync operation, with every default resolved here and nowhere
 * else (`defaultSyncOptions`, `resolveSyncOptions`), and the per-object options
 * read from the `berth.dev/sync-options` annotation.
 */
import type { IgnoreDifferenceRule } from '../diff/index.ts';
import { chosenAnnotation, formatRef, refOf, type KubeObject, type ObjectRef } from '../objects.ts';
import type { PropagationPolicy } from './cluster.ts';
import { diffHasDrifted, type HasDrifted } from './drift.ts';

export type { HasDrifted } from './drift.ts';

/** Why an object must not be deleted, or undefined when it may be. */
export type MayDelete = (ref: ObjectRef) => string | undefined;

/** Time as sync/ sees it; injected so that waits run instantly in tests. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface SyncOptions {
  /** Compute the whole plan and change set with server dry runs; write nothing. */
  dryRun: boolean;
  /** Delete objects of the previous inventory that left the desired set. */
  prune: boolean;
  /** Allow a desired set with no objects (which, with `prune`, deletes everything). */
  allowEmpty: boolean;
  /** Create `destinationNamespace` when it is not in the desired set and does not exist. */
  createNamespace: boolean;
  /** Namespace for namespaced objects that name none; also the one `createNamespace` creates. */
  destinationNamespace: string | undefined;
  /** Written as `berth.dev/app` on every applied object; prune deletes only objects that carry it. */
  appName: string | undefined;
  /** Why prune must not delete `ref` (the destination policy says no), or undefined when it may; src/ passes the policy. */
  mayDelete: MayDelete | undefined;
  /** Delete and recreate any object whose change hits an immutable field (per object: `Force=true`). */
  force: boolean;
  /** Take over fields owned by other field managers instead of failing on a conflict. */
  forceConflicts: boolean;
  /** Objects applied at once within one group of the plan. */
  concurrency: number;
  /**
   * Times an object is read again when its dry run saw another version of it than
   * the read before (a controller wrote in between), so that write is not taken
   * for drift and re-applied.
   */
  consistencyRetries: number;
  /**
   * With a client that can list, objects of one kind in one namespace and one
   * group of the plan are read with one list when at least this many are desired.
   */
  listThreshold: number;
  /**
   * The Application's ignore rules: fields they name are not drift, so an object
   * that differs only there is left alone (not applied, its resourceVersion kept).
   * The drift check gets the same rules (`DriftCheckOptions.diff`).
   */
  ignoreDifferences: readonly IgnoreDifferenceRule[];
  /** The drift rule (drift.ts, diff/'s); replaceable only so that unit tests can watch it. */
  hasDrifted: HasDrifted;
  propagation: PropagationPolicy;
  crdEstablishedTimeoutMs: number;
  hookTimeoutMs: number;
  /** How long a delete-and-recreate waits for the old object to be gone. */
  deleteTimeoutMs: number;
  pollIntervalMs: number;
  clock: Clock;
}

export function defaultSyncOptions(): SyncOptions {
  return {
    dryRun: false,
    prune: false,
    allowEmpty: false,
    createNamespace: false,
    destinationNamespace: undefined,
    appName: undefined,
    mayDelete: undefined,
    force: false,
    forceConflicts: true,
    concurrency: 8,
    consistencyRetries: 3,
    listThreshold: 8,
    ignoreDifferences: [],
    hasDrifted: diffHasDrifted(),
    propagation: 'Background',
    crdEstablishedTimeoutMs: 60_000,
    hookTimeoutMs: 300_000,
    deleteTimeoutMs: 60_000,
    pollIntervalMs: 1_000,
    clock: systemClock,
  };
}

export function resolveSyncOptions(given: Partial<SyncOptions> = {}): SyncOptions {
  // An explicit `undefined` (an unset field of the Application) means "the default", not "nothing".
  const options = defaultSyncOptions();
  for (const [key, value] of Object.entries(given) as [string, unknown][]) {
    if (value !== undefined) (options as unknown as Record<string, unknown>)[key] = value;
  }
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError(`sync options: concurrency must be a positive integer, got ${options.concurrency}`);
  }
  if (!Number.isInteger(options.consistencyRetries) || options.consistencyRetries < 0) {
    throw new RangeError(`sync options: consistencyRetries must be a non-negative integer, got ${options.consistencyRetries}`);
  }
  if (!Number.isInteger(options.listThreshold) || options.listThreshold < 1) {
    throw new RangeError(`sync options: listThreshold must be a positive integer, got ${options.listThreshold}`);
  }
  return options;
}

/** Options one object asks for in `berth.dev/sync-options` (or Argo CD's), e.g. `Force=true,Prune=false`. */
export interface ObjectSyncOptions {
  force: boolean;
  prune: boolean;
}

const objectOptionKeys = { Force: 'force', Prune: 'prune' } as const;

/**
 * Parse the object's sync options: `berth.dev/sync-options`, else Argo CD's
 * `argocd.argoproj.io/sync-options`. Unknown keys are ignored (options of newer
 * versions must not break older controllers, and Argo CD's ServerSideApply,
 * Replace, Validate, SkipDryRunOnMissingResource, PruneLast, Delete describe what
 * Berth always does or cannot do; the README says which). In Berth's annotation a
 * known key with a value other than true/false is an error naming the object; in
 * Argo CD's, anything but `Prune=true` (`false`, `confirm`) keeps the object from
 * being pruned, since Berth never asks for a confirmation.
 */
export function objectSyncOptions(object: KubeObject): ObjectSyncOptions {
  const result: ObjectSyncOptions = { force: false, prune: true };
  const chosen = chosenAnnotation(object.metadata.annotations, 'syncOptions');
  if (chosen === undefined) return result;
  for (const item of chosen.value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [key = '', value = ''] = item.split('=', 2).map((part) => part.trim());
    if (!Object.hasOwn(objectOptionKeys, key)) continue;
    const option = objectOptionKeys[key as keyof typeof objectOptionKeys];
    if (chosen.source !== 'Berth') {
      result[option] = value === 'true';
      continue;
    }
    if (value !== 'true' && value !== 'false') {
      throw new SyntaxError(`${formatRef(refOf(object))}: ${chosen.key}: ${key} must be true or false, got "${value}"`);
    }
    result[option] = value === 'true';
  }
  return result;
}
