/**
 * Shared primitives of Berth: the shape of a Kubernetes object, its identity
 * (group, version, kind, namespace, name), and the `berth.dev/` annotation keys.
 * One small leaf module that every layer may import (src, sync, diff, health);
 * it imports nothing.
 */

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update' | (string & {});
  apiVersion?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
  time?: string;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  [field: string]: unknown;
}

/** Any Kubernetes object, as rendered from Git or read from the cluster. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** The identity of an object. `group` is '' for the core group, `namespace` '' when cluster-scoped. */
export interface ObjectRef {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function refOf(object: KubeObject): ObjectRef {
  const { group, version } = parseApiVersion(object.apiVersion);
  return { group, version, kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name ?? '' };
}

/**
 * A key that identifies an object across API versions (apps/v1 and
 * apps/v1beta1 of one Deployment are the same object): group, kind, namespace, name.
 */
export function refKey(ref: ObjectRef): string {
  return `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** How errors and logs name an object: `Deployment/shop/web`, `ClusterRole/admin`. */
export function formatRef(ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/**
 * Two field managers on purpose. `fieldManager` owns the objects Berth deploys:
 * it is what the drift check and the self-heal watch look for in managedFields.
 * `recordFieldManager` owns what the controller writes about them (Application
 * status, release-record ConfigMaps), so such a write never reads as a deploy
 * and never takes over a field Berth applied.
 */
export const fieldManager = 'berth';
export const recordFieldManager = 'berth-controller';

/** Annotations Berth reads on managed objects (and writes: `app`). */
export const annotations = {
  /** The Application that manages this object (`<namespace>/<name>`). */
  app: 'berth.dev/app',
  /** Integer wave; lower waves are applied first (default 0). */
  syncWave: 'berth.dev/sync-wave',
  /** PreSync | Sync | PostSync | SyncFail: the object is a hook run in that phase. */
  hook: 'berth.dev/hook',
  /** When a hook is deleted: BeforeHookCreation | HookSucceeded | HookFailed. */
  hookDeletePolicy: 'berth.dev/hook-delete-policy',
  /** Comma-separated sync options for this object, e.g. `Force=true,Prune=false`. */
  syncOptions: 'berth.dev/sync-options',
  /** `true`: leave this object out of the aggregate health. */
  healthIgnore: 'berth.dev/health-ignore',
  /** `ignore`: the same as health-ignore (health/overrides.ts; any other value is an error on the object). */
  health: 'berth.dev/health',
  /** A condition type, e.g. `Ready`: the object is Healthy when that condition is True, whatever its kind's rule says. */
  healthCondition: 'berth.dev/health-condition',
  /** `IgnoreExtraneous`: a live object Git does not have does not make the Application OutOfSync. */
  compareOptions: 'berth.dev/compare-options',
} as const;

/**
 * Argo CD's and Helm's annotations that Berth honours when its own are absent, so
 * repositories written for them work as they are (sync/hooks.ts decides which applies).
 */
export const argoAnnotations = {
  syncWave: 'argocd.argoproj.io/sync-wave',
  hook: 'argocd.argoproj.io/hook',
  hookDeletePolicy: 'argocd.argoproj.io/hook-delete-policy',
  syncOptions: 'argocd.argoproj.io/sync-options',
  compareOptions: 'argocd.argoproj.io/compare-options',
} as const;

export const helmAnnotations = {
  hook: 'helm.sh/hook',
  hookWeight: 'helm.sh/hook-weight',
  hookDeletePolicy: 'helm.sh/hook-delete-policy',
} as const;

export const annotationSources = { Berth: 'Berth', ArgoCD: 'ArgoCD', Helm: 'Helm' } as const;
export type AnnotationSource = (typeof annotationSources)[keyof typeof annotationSources];
export type SyncConcept = 'wave' | 'hook' | 'hookDeletePolicy' | 'syncOptions' | 'compareOptions';

/** For each concept, its keys in order of precedence: Berth's, Argo CD's, Helm's. */
const annotationPrecedence: Record<SyncConcept, readonly (readonly [AnnotationSource, string])[]> = {
  // Argo CD reads `helm.sh/hook-weight` as the wave of any object, hook or not; so does Berth.
  wave: [['Berth', annotations.syncWave], ['ArgoCD', argoAnnotations.syncWave], ['Helm', helmAnnotations.hookWeight]],
  hook: [['Berth', annotations.hook], ['ArgoCD', argoAnnotations.hook], ['Helm', helmAnnotations.hook]],
  hookDeletePolicy: [['Berth', annotations.hookDeletePolicy], ['ArgoCD', argoAnnotations.hookDeletePolicy], ['Helm', helmAnnotations.hookDeletePolicy]],
  syncOptions: [['Berth', annotations.syncOptions], ['ArgoCD', argoAnnotations.syncOptions]],
  compareOptions: [['Berth', annotations.compareOptions], ['ArgoCD', argoAnnotations.compareOptions]],
};

/**
 * The one place that decides which annotation speaks for a concept (wave, hook,
 * ...): Berth's first, then Argo CD's, then Helm's; undefined when none is set.
 * Callers parse the value by its source (Helm spells values its own way).
 */
export function chosenAnnotation(given: Readonly<Record<string, string>> | undefined, concept: SyncConcept): { source: AnnotationSource; key: string; value: string } | undefined {
  if (given === undefined) return undefined;
  for (const [source, key] of annotationPrecedence[concept]) {
    const value = given[key];
    if (value !== undefined) return { source, key, value };
  }
  return undefined;
}

/** Whether the object's compare options say its being extraneous (live, not in Git) is no drift. */
export function ignoresExtraneous(given: Readonly<Record<string, string>> | undefined): boolean {
  const chosen = chosenAnnotation(given, 'compareOptions');
  return chosen !== undefined && chosen.value.split(',').some((part) => part.trim() === 'IgnoreExtraneous');
}
