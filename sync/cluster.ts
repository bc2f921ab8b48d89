/**
 * The narrow interface through which sync/ reaches a cluster, and the
 * classification of its errors as data. src/kube implements it over the real API
 * server; unit tests use an in-memory fake. Everything sync/ needs is here:
 * server-side apply (with dry run), get, delete, the scope of a kind, and
 * optionally a list of one kind.
 *
 * Contract for implementations:
 * - `apply` is a server-side apply patch with field manager `berth`
 *   (`fieldManager` in objects.ts) and returns the object as the server
 *   stored it, or, with `dryRun`, as it would store it, persisting nothing.
 * - Failures are thrown as `ClusterError` with a `ClusterErrorReason`;
 *   `classifyKubeStatus` maps an API server Status to one.
 * - `get` resolves `undefined` for an object (or a kind) that does not exist.
 * - `list` answers what a `get` of each object would, in one request.
 * - `delete` resolves when the API server accepted the deletion or the object
 *   was already gone; it does not wait for finalizers.
 */
import type { KubeObject, ObjectRef } from '../objects.ts';
import { ClusterError, type ClusterErrorReason } from './errors.ts';

export { ClusterError, clusterErrorReasons, type ClusterErrorReason } from './errors.ts';

export const propagationPolicies = {
  Foreground: 'Foreground',
  Background: 'Background',
  Orphan: 'Orphan',
} as const;
export type PropagationPolicy = (typeof propagationPolicies)[keyof typeof propagationPolicies];

export const resourceScopes = { Namespaced: 'Namespaced', Cluster: 'Cluster' } as const;
export type ResourceScope = (typeof resourceScopes)[keyof typeof resourceScopes];

export interface ApplyRequestOptions {
  /** `dryRun=All`: the server validates, defaults and admits the object, and stores nothing. */
  dryRun: boolean;
  /** `force=true`: take over fields another field manager owns instead of failing with a conflict. */
  forceConflicts: boolean;
}

/** Lists the objects of one kind (in one namespace); src/kube's cluster client has this method. */
export interface LiveObjectLister {
  list(apiVersion: string, kind: string, options: { namespace?: string }): Promise<KubeObject[]>;
}

/**
 * An Event about one object, as the API server keeps it. Events outlive their
 * object (kube-apiserver's `--event-ttl`, 1 h by default), which is how a Job
 * deleted by its TTL at once (`ttlSecondsAfterFinished: 0`) still tells how it
 * ended (completed-jobs.ts).
 */
export interface ObjectEvent {
  /** The uid of the object the Event is about (`involvedObject.uid`). */
  uid: string | undefined;
  reason: string;
  message: string;
  /** When it last happened (ISO time), undefined when the server recorded none. */
  time: string | undefined;
}

/** Lists the Events about one object (by kind, namespace and name); src/kube's cluster client has this method. */
export interface ObjectEventLister {
  listEvents(ref: ObjectRef): Promise<ObjectEvent[]>;
}

/**
 * `list` is optional: with it, many objects of one kind in one namespace are read with one request.
 * `listEvents` is optional: without it, a Job gone before it was seen finished is Missing.
 */
export interface ClusterClient extends Partial<LiveObjectLister>, Partial<ObjectEventLister> {
  apply(object: KubeObject, options: ApplyRequestOptions): Promise<KubeObject>;
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  delete(ref: ObjectRef, options: { propagation: PropagationPolicy }): Promise<void>;
  /**
   * Whether objects of a kind live in a namespace; `undefined` when the API
   * server does not serve the kind (yet: a CRD that is not Established). An
   * implementation with a discovery cache should refresh it on a miss.
   */
  resourceScope(group: string, version: string, kind: string): Promise<ResourceScope | undefined>;
}

/** What the API server says when a field cannot change (Job template, Service clusterIP, selectors, PVC spec). */
const immutablePhrases = /field is immutable|is immutable|may not change once set|cannot be changed|updates to .* are forbidden/i;
const transientStatusReasons = new Set(['ServerTimeout', 'Timeout', 'TooManyRequests', 'ServiceUnavailable', 'InternalError']);

/**
 * Classify an API server answer. `code` is the HTTP status (undefined when the
 * request never got an answer), `reason` the Status reason, `message` its text.
 */
export function classifyKubeStatus(status: { code?: number; reason?: string; message?: string }): ClusterErrorReason {
  const { code, reason = '', message = '' } = status;
  if (code === undefined) return 'Transient';
  if (transientStatusReasons.has(reason) || code === 429 || code >= 500) return 'Transient';
  if (code === 404 || reason === 'NotFound') return 'NotFound';
  if (code === 409 || reason === 'AlreadyExists' || reason === 'Conflict') return 'Conflict';
  if (code === 401 || code === 403) return 'Forbidden';
  if (code === 400 || code === 422 || reason === 'Invalid' || reason === 'BadRequest') {
    return immutablePhrases.test(message) ? 'Immutable' : 'Invalid';
  }
  if (code >= 400) return 'Invalid';
  return 'Unknown';
}

/** The reason of any thrown value: a `ClusterError`'s own, `Unknown` for anything else. */
export function clusterErrorReasonOf(error: unknown): ClusterErrorReason {
  return error instanceof ClusterError ? error.reason : 'Unknown';
}
