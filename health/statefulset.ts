/**
 * Health of an apps/v1 StatefulSet. Readiness first, then the update strategy:
 * a partitioned rolling update is done when every pod at or above the partition
 * runs the update revision; under OnDelete pods change only when someone deletes
 * them, so a pending revision is reported but does not hold the rollout.
 */
import type { KubeObject } from '../objects.ts';
import { isGenerationBehind, numberAt, stringAt } from './fields.ts';
import { type Health, HealthStatus } from './status.ts';

export function statefulSetHealth(object: KubeObject): Health {
  if (isGenerationBehind(object)) {
    return { status: HealthStatus.Progressing, message: 'waiting for rollout to be observed' };
  }
  const desired = numberAt(object, 'spec', 'replicas') ?? 1;
  const total = numberAt(object, 'status', 'replicas') ?? 0;
  const updated = numberAt(object, 'status', 'updatedReplicas') ?? 0;
  // availableReplicas honours minReadySeconds; fall back to readyReplicas for a status without it.
  const availableField = numberAt(object, 'status', 'availableReplicas');
  const available = availableField ?? numberAt(object, 'status', 'readyReplicas') ?? 0;
  const availableWord = availableField === undefined ? 'ready' : 'available';
  const currentRevision = stringAt(object, 'status', 'currentRevision');
  const updateRevision = stringAt(object, 'status', 'updateRevision');

  if (available < desired) {
    return { status: HealthStatus.Progressing, message: `waiting for rollout: ${available} of ${desired} replicas are ${availableWord}` };
  }
  if (total > desired) {
    return { status: HealthStatus.Progressing, message: `waiting for scale down: ${total - desired} extra replicas are pending termination` };
  }

  if (stringAt(object, 'spec', 'updateStrategy', 'type') === 'OnDelete') {
    const stale = desired - updated;
    const pending = currentRevision !== updateRevision && stale > 0
      ? `; ${stale} still run the previous revision (OnDelete: pods are replaced only when deleted)`
      : '';
    return { status: HealthStatus.Healthy, message: `${available} of ${desired} replicas are ${availableWord}${pending}` };
  }

  const partition = numberAt(object, 'spec', 'updateStrategy', 'rollingUpdate', 'partition') ?? 0;
  if (partition > 0) {
    const target = Math.max(desired - partition, 0);
    if (updated < target) {
      return {
        status: HealthStatus.Progressing,
        message: `waiting for partitioned rollout: ${updated} of ${target} replicas at or above the partition (${partition}) are updated`,
      };
    }
    return {
      status: HealthStatus.Healthy,
      message: `partitioned rollout complete: ${updated} of ${desired} replicas are updated; replicas below ordinal ${partition} keep the previous revision`,
    };
  }

  if (updateRevision !== undefined && currentRevision !== updateRevision) {
    return {
      status: HealthStatus.Progressing,
      message: updated < desired
        ? `waiting for rollout: ${updated} of ${desired} replicas are updated`
        : `waiting for rollout: revision ${updateRevision} to become current`,
    };
  }
  if (desired === 0) return { status: HealthStatus.Healthy, message: 'scaled to 0 replicas' };
  const at = currentRevision ? ` at revision ${currentRevision}` : '';
  return { status: HealthStatus.Healthy, message: `${available} of ${desired} replicas are ${availableWord}${at}` };
}
