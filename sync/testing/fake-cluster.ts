/**
 * For unit tests only: an in-memory stand-in for the API server behind the
 * narrow `ClusterClient` interface, with just enough behaviour to test the
 * engine: dry runs that store nothing, resourceVersion that moves only on a
 * change, namespaces and CRD-defined kinds that must exist, immutable fields,
 * injectable failures, and a log of every call. Never used outside tests; the
 * real behaviour is proven against a real control plane under test/.
 *
 * Whether an apply changes the object is judged by its own simple rule (every
 * field the applied object sets already has that value, and Berth already
 * applied it), never by the engine's drift rule: the code under test must not
 * be its own judge.
 */
import { fieldManager, refKey, refOf, type KubeObject, type ObjectRef } from '../../objects.ts';
import type { ApplyRequestOptions, ClusterClient, ObjectEvent, PropagationPolicy, ResourceScope } from '../cluster.ts';
import { ClusterError } from '../errors.ts';
import type { Clock } from '../options.ts';

export interface Call {
  method: 'apply' | 'get' | 'list' | 'listEvents' | 'delete' | 'resourceScope';
  key: string;
  dryRun?: boolean;
}

const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'PersistentVolume',
  'PriorityClass', 'IngressClass', 'APIService', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
const builtInGroups = new Set(['', 'apps', 'batch', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'storage.k8s.io', 'policy',
  'apiextensions.k8s.io', 'admissionregistration.k8s.io', 'apiregistration.k8s.io', 'autoscaling', 'scheduling.k8s.io']);
/** Fields that cannot change after creation, per kind. */
const immutable: Record<string, string[]> = { Job: ['template', 'selector'], Deployment: ['selector'], Service: ['clusterIP'] };

const clone = <T>(value: T): T => structuredClone(value);

/** Whether every field `applied` sets has the same value in `live` (lists compared whole). */
function setsNothingNew(applied: unknown, live: unknown): boolean {
  if (typeof applied !== 'object' || applied === null || Array.isArray(applied)) return JSON.stringify(applied) === JSON.stringify(live);
  if (typeof live !== 'object' || live === null || Array.isArray(live)) return false;
  const have = live as Record<string, unknown>;
  return Object.entries(applied).every(([key, value]) => value === undefined || setsNothingNew(value, have[key]));
}

/** The fake's rule: an apply that sets nothing new, of an object Berth applied before, stores nothing. */
function changesNothing(applied: KubeObject, live: KubeObject): boolean {
  const { managedFields: _managed, ...metadata } = applied.metadata;
  const appliedBefore = (live.metadata.managedFields ?? []).some((entry) => entry.manager === fieldManager && entry.operation === 'Apply');
  return appliedBefore && setsNothingNew({ ...applied, metadata }, live);
}

export class FakeCluster implements ClusterClient {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: Call[] = [];
  /** Return an error to make a call fail. */
  failWith: (call: Call) => ClusterError | undefined = () => undefined;
  /** Runs before every call is answered, e.g. to let a controller write between two requests of the engine. */
  beforeAnswer: (call: Call) => void = () => undefined;
  /** Runs after every stored write, e.g. to complete a Job or establish a CRD later. */
  afterWrite: (object: KubeObject) => void = (object) => {
    if (object.kind === 'CustomResourceDefinition') object.status = { conditions: [{ type: 'Established', status: 'True' }] };
  };
  private version = 0;
  /** Events by the ref key of the object they are about; they stay when it is deleted, as on a server. */
  private readonly events = new Map<string, ObjectEvent[]>();

  constructor(objects: KubeObject[] = []) {
    for (const object of objects) this.store(clone(object));
  }

  has(ref: ObjectRef): boolean {
    return this.objects.has(refKey(ref));
  }

  find(kind: string, namespace: string, name: string): KubeObject | undefined {
    return [...this.objects.values()].find((o) => o.kind === kind && (o.metadata.namespace ?? '') === namespace && o.metadata.name === name);
  }

  /** An Event a controller recorded about `ref` (the job controller's `Completed`, say). */
  recordEvent(ref: ObjectRef, event: ObjectEvent): void {
    this.events.set(refKey(ref), [...(this.events.get(refKey(ref)) ?? []), clone(event)]);
  }

  writes(): Call[] {
    return this.calls.filter((call) => call.method === 'delete' || (call.method === 'apply' && call.dryRun === false));
  }

  /** Log the call, then answer it like a server: failures as rejections. */
  private answer<T>(call: Call, respond: () => T): Promise<T> {
    this.calls.push(call);
    this.beforeAnswer(call);
    try {
      const error = this.failWith(call);
      if (error) throw error;
      return Promise.resolve(respond());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** A write by someone other than Berth (a controller): the object changes and its resourceVersion moves. */
  writeAsController(key: string, change: (object: KubeObject) => void): void {
    const live = this.objects.get(key);
    if (live === undefined) throw new Error(`fake cluster: no object ${key}`);
    change(live);
    this.store(live);
  }

  private store(object: KubeObject): KubeObject {
    this.version += 1;
    object.metadata.resourceVersion = String(this.version);
    object.metadata.uid ??= `uid-${this.version}`;
    this.objects.set(refKey(refOf(object)), object);
    return object;
  }

  private served(ref: ObjectRef): boolean {
    if (builtInGroups.has(ref.group)) return true;
    return [...this.objects.values()].some((o) => {
      const spec = o.spec as { group?: string; names?: { kind?: string } } | undefined;
      const conditions = (o.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
      return o.kind === 'CustomResourceDefinition' && spec?.group === ref.group && spec.names?.kind === ref.kind
        && conditions.some((c) => c.type === 'Established' && c.status === 'True');
    });
  }

  apply(object: KubeObject, options: ApplyRequestOptions): Promise<KubeObject> {
    const ref = refOf(object);
    return this.answer({ method: 'apply', key: refKey(ref), dryRun: options.dryRun }, () => this.applyNow(object, ref, options));
  }

  private applyNow(object: KubeObject, ref: ObjectRef, options: ApplyRequestOptions): KubeObject {
    if (!this.served(ref)) throw new ClusterError('NotFound', `no matches for kind "${ref.kind}" in group "${ref.group}"`, { code: 404 });
    if (ref.namespace !== '' && !this.objects.has(`/Namespace//${ref.namespace}`)) {
      throw new ClusterError('NotFound', `namespaces "${ref.namespace}" not found`, { code: 404 });
    }
    const live = this.objects.get(refKey(ref));
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    for (const field of immutable[ref.kind] ?? []) {
      const before = (live?.spec as Record<string, unknown> | undefined)?.[field];
      if (live !== undefined && before !== undefined && JSON.stringify(before) !== JSON.stringify(spec[field])) {
        throw new ClusterError('Immutable', `${ref.kind}.${ref.group} "${ref.name}" is invalid: spec.${field}: Invalid value: field is immutable`, { code: 422 });
      }
    }
    const merged: KubeObject = clone({
      ...live,
      ...object,
      metadata: { ...live?.metadata, ...object.metadata, managedFields: [{ manager: fieldManager, operation: 'Apply' }] },
      ...(live?.status === undefined ? {} : { status: live.status }),
    });
    if (options.dryRun) return merged;
    if (live !== undefined && changesNothing(object, live)) return clone(live);
    const stored = this.store(merged);
    this.afterWrite(stored);
    return clone(stored);
  }

  get(ref: ObjectRef): Promise<KubeObject | undefined> {
    return this.answer({ method: 'get', key: refKey(ref) }, () => {
      const live = this.objects.get(refKey(ref));
      return live && clone(live);
    });
  }

  list(apiVersion: string, kind: string, options: { namespace?: string }): Promise<KubeObject[]> {
    return this.answer({ method: 'list', key: `${apiVersion}/${kind}/${options.namespace ?? ''}` }, () => [...this.objects.values()]
      .filter((o) => o.apiVersion === apiVersion && o.kind === kind && (options.namespace === undefined || o.metadata.namespace === options.namespace))
      .map(clone));
  }

  listEvents(ref: ObjectRef): Promise<ObjectEvent[]> {
    return this.answer({ method: 'listEvents', key: refKey(ref) }, () => (this.events.get(refKey(ref)) ?? []).map(clone));
  }

  delete(ref: ObjectRef, _options: { propagation: PropagationPolicy }): Promise<void> {
    return this.answer({ method: 'delete', key: refKey(ref) }, () => {
      this.objects.delete(refKey(ref));
    });
  }

  resourceScope(group: string, version: string, kind: string): Promise<ResourceScope | undefined> {
    return this.answer({ method: 'resourceScope', key: `${group}/${version}/${kind}` }, () => {
      if (!this.served({ group, version, kind, namespace: '', name: '' })) return undefined;
      return clusterScoped.has(kind) ? 'Cluster' : 'Namespaced';
    });
  }
}

/** A clock whose sleep returns at once and moves time forward. */
export function fakeClock(start = 0): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** Build a test object: `obj('apps/v1', 'Deployment', 'shop', 'web', { spec: ... })`. */
export function obj(apiVersion: string, kind: string, namespace: string, name: string, extra: Partial<KubeObject> & { annotations?: Record<string, string> } = {}): KubeObject {
  const { annotations, metadata, ...rest } = extra;
  return {
    apiVersion,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), ...(annotations ? { annotations } : {}), ...metadata },
    ...rest,
  };
}
