/**
 * Health of any object that follows the kstatus conventions
 * (sigs.k8s.io/cli-utils/pkg/kstatus): `status.observedGeneration` and the
 * `Ready`, `Reconciling` and `Stalled` conditions that Flux, Cluster API, cert-manager,
 * Crossplane and most operators write. An object that follows none of them gets no
 * opinion (undefined), never a guessed Healthy.
 */
import type { KubeObject } from '../objects.ts';
import { conditionsOf, describeCondition, findCondition, numberAt } from './fields.ts';
import { type Health, HealthStatus } from './status.ts';

export function genericHealth(object: KubeObject): Health | undefined {
  const generation = object.metadata.generation;
  const observed = numberAt(object, 'status', 'observedGeneration');
  const conditions = conditionsOf(object);
  const ready = findCondition(conditions, 'Ready');
  const reconciling = findCondition(conditions, 'Reconciling');
  const stalled = findCondition(conditions, 'Stalled');
  if (observed === undefined && !ready && !reconciling && !stalled) return undefined;

  if (generation !== undefined && observed !== undefined && observed < generation) {
    return { status: HealthStatus.Progressing, message: `waiting for the controller to observe generation ${generation} (it has seen ${observed})` };
  }
  if (stalled?.status === 'True') return { status: HealthStatus.Degraded, message: `stalled: ${describeCondition(stalled)}` };
  if (reconciling?.status === 'True') return { status: HealthStatus.Progressing, message: `reconciling: ${describeCondition(reconciling)}` };

  if (ready) {
    // metav1.Condition carries its own observedGeneration: a Ready written for an older spec says nothing about this one.
    if (generation !== undefined && ready.observedGeneration !== undefined && ready.observedGeneration < generation) {
      return { status: HealthStatus.Progressing, message: `waiting for the controller to report readiness of generation ${generation}` };
    }
    if (ready.status === 'True') return { status: HealthStatus.Healthy, message: `ready: ${describeCondition(ready)}` };
    // Ready False without Stalled is Progressing: under kstatus a controller that
    // has given up says Stalled, while Ready False alone is also what healthy
    // controllers report as they work (cert-manager issuing, Crossplane creating).
    // A controller that never gets there runs into the health timeout.
    return { status: HealthStatus.Progressing, message: `not ready yet: ${describeCondition(ready)}` };
  }
  if (observed !== undefined) {
    return { status: HealthStatus.Healthy, message: `the controller has observed the latest spec (generation ${observed})` };
  }
  return { status: HealthStatus.Healthy, message: 'neither reconciling nor stalled' };
}
