/**
 * Health of an apps/v1 DaemonSet: one pod per eligible node, counted by the
 * controller in desiredNumberScheduled, updatedNumberScheduled and numberAvailable.
 * Under OnDelete a new revision reaches a node only when its pod is deleted, so a
 * pending revision is reported but does not hold the rollout; availability still does.
 */
import type { KubeObject } from '../objects.ts';
import { isGenerationBehind, numberAt, stringAt } from './fields.ts';
import { type Health, HealthStatus } from './status.ts';

export function daemonSetHealth(object: KubeObject): Health {
  if (isGenerationBehind(object)) {
    return { status: HealthStatus.Progressing, message: 'waiting for rollout to be observed' };
  }
  const desired = numberAt(object, 'status', 'desiredNumberScheduled') ?? 0;
  const updated = numberAt(object, 'status', 'updatedNumberScheduled') ?? 0;
  const available = numberAt(object, 'status', 'numberAvailable') ?? 0;

  if (stringAt(object, 'spec', 'updateStrategy', 'type') === 'OnDelete') {
    if (available < desired) {
      return { status: HealthStatus.Progressing, message: `waiting for pods: ${available} of ${desired} pods are available` };
    }
    const stale = desired - updated;
    const pending = stale > 0 ? `; ${stale} still run the previous revision (OnDelete: pods are replaced only when deleted)` : '';
    return { status: HealthStatus.Healthy, message: `${available} of ${desired} pods are available${pending}` };
  }

  if (updated < desired) {
    return { status: HealthStatus.Progressing, message: `waiting for rollout: ${updated} of ${desired} pods are updated` };
  }
  if (available < desired) {
    return { status: HealthStatus.Progressing, message: `waiting for rollout: ${available} of ${desired} updated pods are available` };
  }
  if (desired === 0) return { status: HealthStatus.Healthy, message: 'no node is eligible to run a pod' };
  return { status: HealthStatus.Healthy, message: `${available} of ${desired} updated pods are available` };
}
