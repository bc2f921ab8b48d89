/**
 * The drift check of an Application against the cluster: for every desired object a
 * server-side apply dry run (field manager `berth`, forced) gives what the object would
 * become, and a get gives what it is; diff/ compares them. Objects of the previous
 * inventory that Git no longer has are read too and reported Extraneous.
 *
 * Promises:
 * - Nothing is written: every apply is a dry run.
 * - The dry run is forced. Without force, a field another manager took over (a
 *   `kubectl edit` of the image) makes the dry run fail with a conflict instead of showing
 *   the drift that a sync would undo.
 * - A failed dry run (its CRD not installed yet, an invalid object, a missing namespace)
 *   costs only that object its precise comparison: it falls back to "the fields desired
 *   sets, against live" (diff mode `desired-subset`) and the reason is recorded in
 *   `fallbacks`. It never fails the whole check. A failed get does: without the live
 *   object no status can be trusted, so the error (a ClusterError) reaches the caller.
 * - At most `concurrency` objects are in flight; each has its dry run and get in parallel.
 *   With a `lister`, large groups of one kind in one namespace are read with one list each.
 * - Predicted and live are of one version of the object: when a controller wrote between
 *   the dry run and the get, both are read again (`consistencyRetries`), so a write nobody
 *   made through Git is not reported as drift.
 * - Error messages kept in the result never hold a Secret value of the desired object.
 * - A Job that completed with its desired spec and was deleted since (its TTL) is
 *   Synced, not Missing (completed-jobs.ts); with another spec it is Missing. So
 *   is a gone Job with `ttlSecondsAfterFinished` whose newest finish Event says
 *   Completed (gone before it was ever seen Complete, TTL 0), when the client lists Events.
 *
 * Desired objects are expected with their namespaces resolved (sync/namespaces.ts).
 */
import { diffApplication, type ApplicationDiff, type DiffOptions, type ObjectDiff, type ObjectDiffInput } from '../diff/index.ts';
import { formatRef, refKey, refOf, type KubeObject, type ObjectRef } from '../objects.ts';
import { clusterErrorReasonOf, type ClusterClient, type ClusterErrorReason, type LiveObjectLister } from './cluster.ts';
import { completedWithSpec, hasFinishedTtl, jobOutcomeOfEvents, type CompletedJob } from './completed-jobs.ts';
import { listedReader, readConsistently, type Reading } from './live-objects.ts';
import { mapBounded } from './wait.ts';

export interface DriftCheckOptions {
  /** Objects in flight at once (each with a dry run and a get). */
  concurrency: number;
  /** Refs of the previous sync's inventory; those Git no longer has and the cluster still does are Extraneous. */
  previousInventory: readonly ObjectRef[];
  /** Passed to diff/ (ignoreDifferences, listKeys, ...). */
  diff: Partial<DiffOptions>;
  /** Times an object is read again when its dry run and its get saw different versions of it. */
  consistencyRetries: number;
  /**
   * Reads live objects in bulk: objects of one kind in one namespace, when at least
   * `listThreshold` of them are desired, come from one list instead of a get each. Half
   * the requests for a large application; the cost is listing that kind's other objects
   * in the namespace too. Without it, every object is read with a get.
   */
  lister: LiveObjectLister | undefined;
  listThreshold: number;
  /** Jobs that completed before (the release record's): gone now with the spec they completed with, they are Synced. */
  completedJobs: readonly CompletedJob[];
}

export type { LiveObjectLister } from './cluster.ts';

export const defaultDriftCheckOptions: Readonly<DriftCheckOptions> = {
  concurrency: 16, previousInventory: [], diff: {}, consistencyRetries: 3, lister: undefined, listThreshold: 8, completedJobs: [],
};

/** Why one object was compared without a dry run. */
export interface DryRunFallback {
  ref: ObjectRef;
  reason: ClusterErrorReason;
  /** The API server's answer, starting with the object; Secret values removed. */
  message: string;
}

export interface DriftCheckTimings {
  /** Wall time of the whole check. */
  totalMs: number;
  /** Wall time of the cluster reads (dry runs and gets, in parallel). */
  clusterMs: number;
  /** Time in diff/. */
  diffMs: number;
  dryRuns: number;
  /** Objects compared without a dry run (see `fallbacks`). */
  dryRunFailures: number;
  gets: number;
  lists: number;
  /** Objects read again because the dry run and the get saw different resourceVersions. */
  retries: number;
}

export interface DriftCheckResult extends ApplicationDiff {
  fallbacks: DryRunFallback[];
  timings: DriftCheckTimings;
}

function resolveDriftCheckOptions(options: Partial<DriftCheckOptions>): DriftCheckOptions {
  const resolved = { ...defaultDriftCheckOptions, ...options };
  if (!Number.isInteger(resolved.concurrency) || resolved.concurrency < 1) {
    throw new RangeError(`drift check options: concurrency must be a positive integer, got ${resolved.concurrency}`);
  }
  if (!Number.isInteger(resolved.listThreshold) || resolved.listThreshold < 1) {
    throw new RangeError(`drift check options: listThreshold must be a positive integer, got ${resolved.listThreshold}`);
  }
  if (!Number.isInteger(resolved.consistencyRetries) || resolved.consistencyRetries < 0) {
    throw new RangeError(`drift check options: consistencyRetries must be a non-negative integer, got ${resolved.consistencyRetries}`);
  }
  return resolved;
}

/** The Secret's values as given (data base64, stringData plain) and in the other encoding. */
function secretValuesOf(object: KubeObject): string[] {
  if (object.kind !== 'Secret') return [];
  const values: string[] = [];
  for (const value of Object.values((object.data ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && value) values.push(value, Buffer.from(value, 'base64').toString('utf8'));
  }
  for (const value of Object.values((object.stringData ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && value) values.push(value, Buffer.from(value).toString('base64'));
  }
  // Longest first, so a value that contains another is removed whole.
  return values.filter((value) => value.length > 0).sort((a, b) => b.length - a.length);
}

function redactSecretValues(message: string, object: KubeObject): string {
  let redacted = message;
  for (const value of secretValuesOf(object)) redacted = redacted.split(value).join('<masked>');
  return redacted;
}

function messageOf(error: unknown, ref: ObjectRef): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.startsWith(formatRef(ref)) ? text : `${formatRef(ref)}: apply (dry run) failed: ${text}`;
}

/** A desired Job with a TTL, gone, whose job controller said it completed (TTL 0: never seen Complete). */
async function completedByEvents(client: ClusterClient, job: KubeObject): Promise<boolean> {
  if (!hasFinishedTtl(job) || client.listEvents === undefined) return false;
  return jobOutcomeOfEvents(await client.listEvents(refOf(job)))?.status === 'Healthy';
}

/** Compare what Git wants (`desired`) with the cluster; see the module comment. */
export async function checkDrift(client: ClusterClient, desired: readonly KubeObject[], options: Partial<DriftCheckOptions> = {}): Promise<DriftCheckResult> {
  const { concurrency, consistencyRetries, previousInventory, diff, lister, listThreshold, completedJobs } = resolveDriftCheckOptions(options);
  const started = performance.now();
  const fallbacks: DryRunFallback[] = [];
  const counters = { dryRuns: 0, dryRunFailures: 0, gets: 0, lists: 0, retries: 0 };

  const dryRunOf = (object: KubeObject): Promise<{ predicted: KubeObject } | { failure: unknown }> => {
    counters.dryRuns += 1;
    return client.apply(object, { dryRun: true, forceConflicts: true }).then((predicted) => ({ predicted }), (failure: unknown) => ({ failure }));
  };
  const getLive = (ref: ObjectRef): Promise<KubeObject | undefined> => {
    counters.gets += 1;
    return client.get(ref);
  };
  const readOnce = async (object: KubeObject, ref: ObjectRef): Promise<Reading<unknown>> => {
    const [dryRun, live] = await Promise.all([dryRunOf(object), getLive(ref)]);
    return { ...dryRun, live };
  };

  const listed = listedReader(desired, lister, listThreshold, () => { counters.lists += 1; });
  const firstReading = async (object: KubeObject, ref: ObjectRef): Promise<Reading<unknown>> => {
    const fromList = listed(object);
    if (!fromList) return readOnce(object, ref);
    const [dryRun, listing] = await Promise.all([dryRunOf(object), fromList]);
    // A failed list costs precision nowhere: the object is read on its own.
    return { ...dryRun, live: listing.listed ? listing.live : await getLive(ref) };
  };

  const read = async (object: KubeObject): Promise<ObjectDiffInput> => {
    const ref = refOf(object);
    // Dry run and get run in parallel, so either may be the older: both are repeated.
    const reading = await readConsistently(await firstReading(object, ref), () => {
      counters.retries += 1;
      return readOnce(object, ref);
    }, consistencyRetries);
    if ('failure' in reading) {
      counters.dryRunFailures += 1;
      fallbacks.push({ ref, reason: clusterErrorReasonOf(reading.failure), message: redactSecretValues(messageOf(reading.failure, ref), object) });
      return { desired: object, live: reading.live };
    }
    return { desired: object, predicted: reading.predicted, live: reading.live };
  };

  const desiredKeys = new Set(desired.map((object) => refKey(refOf(object))));
  const gone = previousInventory.filter((ref) => !desiredKeys.has(refKey(ref)));
  const readGone = async (ref: ObjectRef): Promise<ObjectDiffInput> => ({ live: await getLive(ref) });

  // One pool for both kinds of read, so the bound holds across them. After a failed get
  // the result is lost anyway: the remaining items do no I/O.
  let failed = false;
  const work = [...desired.map((object) => () => read(object)), ...gone.map((ref) => () => readGone(ref))];
  const results = await mapBounded(work, concurrency, async (next): Promise<ObjectDiffInput> => {
    if (failed) return {};
    try {
      return await next();
    } catch (error) {
      failed = true;
      throw error;
    }
  });
  const clusterDone = performance.now();

  // A Job gone after it completed with this spec is what its TTL asked for: Synced, outside the diff.
  const done = await Promise.all(desired.map(async (object, index) => results[index]?.live === undefined && (
    completedWithSpec(object, object.metadata.namespace ?? '', completedJobs) || await completedByEvents(client, object))));
  const objects = results.slice(0, desired.length).filter((_, index) => done[index] !== true);
  const pruneCandidates = results.slice(desired.length).flatMap(({ live }) => (live ? [live] : []));
  const compared = diffApplication({ objects, pruneCandidates }, diff);
  const finishedJobs: ObjectDiff[] = desired.filter((_, index) => done[index] === true).map((object) => ({ ref: refOf(object), status: 'Synced', patch: [], diff: '' }));
  const application = finishedJobs.length === 0 ? compared : {
    ...compared, objects: [...compared.objects, ...finishedJobs], counts: { ...compared.counts, Synced: compared.counts.Synced + finishedJobs.length },
  };
  const finished = performance.now();

  fallbacks.sort((a, b) => (refKey(a.ref) < refKey(b.ref) ? -1 : refKey(a.ref) > refKey(b.ref) ? 1 : 0));
  return {
    ...application,
    fallbacks,
    timings: { totalMs: finished - started, clusterMs: clusterDone - started, diffMs: finished - clusterDone, ...counters },
  };
}
