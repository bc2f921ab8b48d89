/**
 * Jobs that ran to completion, remembered so that a Job the cluster cleaned up
 * after it finished (`ttlSecondsAfterFinished`, issue 21: ingress-nginx's
 * admission Jobs carry `ttlSecondsAfterFinished: 0`) is neither drift nor run
 * again. A Job is a one-off: once it completed with a spec, its being gone is
 * what its author asked for. It runs again when its spec changes, which is
 * told by a hash of the desired spec recorded at completion.
 *
 * Argo CD reports such a Job OutOfSync/Missing (argoproj/argo-cd#8586, open)
 * and its docs advise turning it into a hook; Berth remembers the completion
 * instead, so a repository works as it is.
 *
 * Promises:
 * - only a Job is ever remembered, and only with the hash of the spec it
 *   completed with: another spec (another image, another command) is not covered;
 * - a remembered Job that still exists is compared as any object is;
 * - a Job gone before it was seen finished is judged by the Event the job
 *   controller records when it finishes (`jobOutcomeOfEvents`): the newest such
 *   Event decides, so a finish of an older Job of that name never outweighs a later one;
 * - pure: no I/O (the caller reads health, live objects and Events).
 */
import { createHash } from 'node:crypto';
import type { Health } from '../health/index.ts';
import type { KubeObject } from '../objects.ts';
import type { ObjectEvent } from './cluster.ts';

export interface CompletedJob {
  namespace: string;
  name: string;
  /** The revision it completed at (for people reading the record). */
  revision: string;
  /** `jobSpecHash` of the desired Job that completed. */
  specHash: string;
}

export const isJob = (object: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean => object.kind === 'Job' && object.apiVersion.startsWith('batch/');

/** JSON with object keys sorted, so two renders of one spec hash alike whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, inner]) => inner !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value === undefined ? null : value);
}

/** The hash of what a desired Job asks to run: its spec, as rendered from Git. */
export function jobSpecHash(job: KubeObject): string {
  return createHash('sha256').update(canonicalJson(job.spec ?? null)).digest('hex');
}

/** Whether the desired `job` (in `namespace`) completed before with this very spec. */
export function completedWithSpec(job: KubeObject, namespace: string, completed: readonly CompletedJob[] | undefined): boolean {
  if (!isJob(job) || !completed?.length) return false;
  const hash = jobSpecHash(job);
  return completed.some((entry) => entry.namespace === namespace && entry.name === job.metadata.name && entry.specHash === hash);
}

/**
 * The completions to keep after a look at the cluster: those of `previous`
 * whose Job is still desired with the same spec, plus the desired Jobs seen
 * complete now. Undefined when nothing changed, so the caller writes nothing.
 */
export function nextCompletedJobs(
  previous: readonly CompletedJob[] | undefined,
  desiredJobs: readonly { namespace: string; name: string; specHash: string; complete: boolean }[],
  revision: string,
): CompletedJob[] | undefined {
  const key = (entry: { namespace: string; name: string }): string => JSON.stringify([entry.namespace, entry.name]);
  const before = new Map((previous ?? []).map((entry) => [key(entry), entry]));
  const next: CompletedJob[] = [];
  for (const job of desiredJobs) {
    const known = before.get(key(job));
    if (known?.specHash === job.specHash) next.push(known);
    else if (job.complete) next.push({ namespace: job.namespace, name: job.name, revision, specHash: job.specHash });
  }
  next.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const same = next.length === before.size && next.every((entry) => before.get(key(entry)) === entry);
  return same ? undefined : next;
}

/**
 * The reasons kube-controller-manager's job controller gives the Event it records
 * when a Job finishes: `Completed` ("Job completed"), or the reason of its
 * Failed condition (pkg/controller/job: BackoffLimitExceeded, DeadlineExceeded,
 * PodFailurePolicy, MaxFailedIndexesExceeded, FailedIndexes).
 */
export const jobFinishedReasons = {
  Completed: 'Completed',
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  DeadlineExceeded: 'DeadlineExceeded',
  PodFailurePolicy: 'PodFailurePolicy',
  MaxFailedIndexesExceeded: 'MaxFailedIndexesExceeded',
  FailedIndexes: 'FailedIndexes',
} as const;
export type JobFinishedReason = (typeof jobFinishedReasons)[keyof typeof jobFinishedReasons];

const finishedReasons = new Set<string>(Object.values(jobFinishedReasons));

/**
 * How a Job that is gone ended, told by the job controller's Events about it:
 * Healthy when the newest finish Event is `Completed`, Degraded (with its message)
 * when it is a failure, undefined when none is at hand (the Job is Missing).
 *
 * The newest one decides, rather than one matched by uid: two Jobs of one name
 * never exist at once, so the Job Berth applied last was created after any older
 * one of that name was gone, and its finish is the newest. Events without a time
 * sort first (they cannot be placed).
 */
export function jobOutcomeOfEvents(events: readonly ObjectEvent[]): Health | undefined {
  const finished = events.filter((event) => finishedReasons.has(event.reason));
  if (finished.length === 0) return undefined;
  const newest = finished.reduce((best, event) => ((event.time ?? '') >= (best.time ?? '') ? event : best));
  if (newest.reason === jobFinishedReasons.Completed) return { status: 'Healthy', message: `completed and deleted since (ttlSecondsAfterFinished): ${newest.message}` };
  return { status: 'Degraded', message: `${newest.reason}: ${newest.message}` };
}

/** Whether a desired Job asks the TTL controller to delete it after it finishes. */
export const hasFinishedTtl = (job: KubeObject): boolean => isJob(job) && typeof (job.spec as { ttlSecondsAfterFinished?: unknown } | undefined)?.ttlSecondsAfterFinished === 'number';
