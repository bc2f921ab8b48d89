/**
 * Health of an apps/v1 ReplicaSet (one that is managed directly; those a
 * Deployment owns are judged through their Deployment).
 */
import type { KubeObject } from '../objects.ts';
import { conditionsOf, describeCondition, findCondition, isGenerationBehind, numberAt } from './fields.ts';
import { type Health, HealthStatus } from './status.ts';

export function replicaSetHealth(object: KubeObject): Health {
  if (isGenerationBehind(object)) {
    return { status: HealthStatus.Progressing, message: 'waiting for the controller to observe the latest spec' };
  }
  // Unlike a Deployment, a ReplicaSet has no progress deadline, so nothing else will
  // ever turn a refused pod (quota, admission, pod security) into a verdict.
  const replicaFailure = findCondition(conditionsOf(object), 'ReplicaFailure');
  if (replicaFailure?.status === 'True') {
    return { status: HealthStatus.Degraded, message: `pods cannot be created: ${describeCondition(replicaFailure)}` };
  }
  const desired = numberAt(object, 'spec', 'replicas') ?? 1;
  const total = numberAt(object, 'status', 'replicas') ?? 0;
  const available = numberAt(object, 'status', 'availableReplicas') ?? 0;
  if (available < desired) {
    return { status: HealthStatus.Progressing, message: `waiting for replicas: ${available} of ${desired} replicas are available` };
  }
  if (total > desired) {
    return { status: HealthStatus.Progressing, message: `waiting for scale down: ${total - desired} extra replicas are pending termination` };
  }
  if (desired === 0) return { status: HealthStatus.Healthy, message: 'scaled to 0 replicas' };
  return { status: HealthStatus.Healthy, message: `${available} of ${desired} replicas are available` };
}
