/**
 * Health of kinds that are configuration only (ConfigMap, Secret, RBAC, policy,
 * classes, webhook configurations): no controller acts on them and they have no
 * status, so once the API server has stored one it is in effect and nothing further
 * can go wrong with it. Existence is their health. This is knowledge about named
 * kinds, not a guess about unknown ones; without it an application made only of
 * RBAC and ConfigMaps could never become Healthy.
 */
import type { Health } from './status.ts';
import { HealthStatus } from './status.ts';

/** `group/kind` (core group as ''). */
export const configurationKinds: ReadonlySet<string> = new Set([
  '/ConfigMap',
  '/Secret',
  '/ServiceAccount',
  '/Endpoints',
  '/LimitRange',
  '/ResourceQuota',
  '/PodTemplate',
  // A terminating Namespace carries a deletionTimestamp, which assessHealth reports before any rule.
  '/Namespace',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'networking.k8s.io/NetworkPolicy',
  'networking.k8s.io/IngressClass',
  'discovery.k8s.io/EndpointSlice',
  'scheduling.k8s.io/PriorityClass',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'node.k8s.io/RuntimeClass',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
]);

export function configurationHealth(): Health {
  return { status: HealthStatus.Healthy, message: 'exists (configuration only, nothing to wait for)' };
}
