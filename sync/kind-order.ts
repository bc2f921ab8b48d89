/**
 * The order of kinds within one wave, and the stages a wave is cut into.
 *
 * The list follows the one Argo CD's gitops-engine and Helm use (namespaces and
 * cluster-wide definitions first, then what workloads consume, then workloads,
 * then what routes to them), with Flux's staging on top: Namespaces and CRDs are
 * applied as a stage of their own so a CRD can be waited for before its custom
 * resources; admission webhooks and APIServices form a last stage because,
 * registered before their backend runs, they can make the API server reject or
 * stall every other write. Kinds not listed (custom resources) go after Ingress
 * and before that last stage.
 */
import type { ObjectRef } from '../objects.ts';

export const kindOrder = [
  'Namespace',
  'CustomResourceDefinition',
  'PriorityClass',
  'RuntimeClass',
  'PodSecurityPolicy',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
] as const;

/** Applied after everything else of their wave. */
const lastKinds = ['APIService', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'] as const;

export const stages = {
  /** Namespaces and CRDs: what other objects of the wave may need to exist. */
  Definitions: 'Definitions',
  Resources: 'Resources',
  /** Admission webhooks and APIServices. */
  Registrations: 'Registrations',
} as const;
export type Stage = (typeof stages)[keyof typeof stages];
export const stageOrder: readonly Stage[] = Object.values(stages);

const rank = new Map<string, number>([
  ...kindOrder.map((kind, index) => [kind, index] as const),
  ...lastKinds.map((kind, index) => [kind, kindOrder.length + 1 + index] as const),
]);
const unlistedRank = kindOrder.length;

/** Position of a kind in the order; all unlisted kinds share one rank (then sort by name). */
export function kindRank(kind: string): number {
  return rank.get(kind) ?? unlistedRank;
}

export function isNamespace(ref: Pick<ObjectRef, 'group' | 'kind'>): boolean {
  return ref.group === '' && ref.kind === 'Namespace';
}

export function isCustomResourceDefinition(ref: Pick<ObjectRef, 'group' | 'kind'>): boolean {
  return ref.group === 'apiextensions.k8s.io' && ref.kind === 'CustomResourceDefinition';
}

export function stageOf(ref: Pick<ObjectRef, 'group' | 'kind'>): Stage {
  if (isNamespace(ref) || isCustomResourceDefinition(ref)) return 'Definitions';
  if ((lastKinds as readonly string[]).includes(ref.kind)) return 'Registrations';
  return 'Resources';
}
