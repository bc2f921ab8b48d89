/**
 * Health of an apps/v1 Deployment, read the way `kubectl rollout status` reads it:
 * paused, then whether the controller has seen the latest spec, then the progress
 * deadline, then replica counts of the new ReplicaSet.
 */
import type { KubeObject } from '../objects.ts';
import { booleanAt, conditionsOf, describeCondition, findCondition, isGenerationBehind, numberAt } from './fields.ts';
import { type Health, HealthStatus } from './status.ts';

export function deploymentHealth(object: KubeObject): Health {
  if (booleanAt(object, 'spec', 'paused')) {
    return { status: HealthStatus.Suspended, message: 'rollout is paused' };
  }
  if (isGenerationBehind(object)) {
    return { status: HealthStatus.Progressing, message: 'waiting for rollout to be observed' };
  }
  const conditions = conditionsOf(object);
  const progressing = findCondition(conditions, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { status: HealthStatus.Degraded, message: `waiting for rollout: progress deadline exceeded (${describeCondition(progressing)})` };
  }

  // The API server defaults spec.replicas to 1; a rendered object may omit it.
  const desired = numberAt(object, 'spec', 'replicas') ?? 1;
  const total = numberAt(object, 'status', 'replicas') ?? 0;
  const updated = numberAt(object, 'status', 'updatedReplicas') ?? 0;
  const available = numberAt(object, 'status', 'availableReplicas') ?? 0;

  // Pod creation refused (quota, admission) is often transient during a surge: old
  // pods scale down and free the quota. The deployment controller turns a lasting
  // failure into ProgressDeadlineExceeded, so leave the verdict to it and only say why.
  const replicaFailure = findCondition(conditions, 'ReplicaFailure');
  const because = replicaFailure?.status === 'True' ? `; pods cannot be created: ${describeCondition(replicaFailure)}` : '';

  if (updated < desired) {
    return { status: HealthStatus.Progressing, message: `waiting for rollout: ${updated} of ${desired} replicas are updated${because}` };
  }
  if (total > updated) {
    return { status: HealthStatus.Progressing, message: `waiting for rollout: ${total - updated} old replicas are pending termination${because}` };
  }
  if (available < updated) {
    return { status: HealthStatus.Progressing, message: `waiting for rollout: ${available} of ${updated} updated replicas are available${because}` };
  }
  if (desired === 0) return { status: HealthStatus.Healthy, message: 'scaled to 0 replicas' };
  return { status: HealthStatus.Healthy, message: `${available} of ${desired} updated replicas are available` };
}
