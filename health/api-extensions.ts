/**
 * Health of the objects that extend the API: apiregistration.k8s.io/v1
 * APIServices and apiextensions.k8s.io/v1 CustomResourceDefinitions. sync/ waits
 * on a CRD's health before applying its custom resources.
 */
import type { KubeObject } from '../objects.ts';
import { conditionsOf, describeCondition, findCondition, stringAt } from './fields.ts';
import { type Health, HealthStatus } from './status.ts';

/**
 * An APIService that is not Available is Progressing, never Degraded: right after a
 * sync its backing pods are still starting (MissingEndpoints, FailedDiscoveryCheck),
 * and when they never start, their own Deployment is the object that reports it.
 */
export function apiServiceHealth(object: KubeObject): Health {
  const available = findCondition(conditionsOf(object), 'Available');
  const namespace = stringAt(object, 'spec', 'service', 'namespace');
  const name = stringAt(object, 'spec', 'service', 'name');
  if (available?.status === 'True') {
    return { status: HealthStatus.Healthy, message: name ? `available, served by service ${namespace ?? ''}/${name}` : 'available, served by the kube-apiserver itself' };
  }
  if (available) return { status: HealthStatus.Progressing, message: `waiting to become available: ${describeCondition(available)}` };
  return { status: HealthStatus.Progressing, message: 'waiting for the aggregator to check the service' };
}

export function customResourceDefinitionHealth(object: KubeObject): Health {
  const conditions = conditionsOf(object);
  const namesAccepted = findCondition(conditions, 'NamesAccepted');
  if (namesAccepted?.status === 'False') {
    return { status: HealthStatus.Degraded, message: `names not accepted: ${describeCondition(namesAccepted)}` };
  }
  const nonStructural = findCondition(conditions, 'NonStructuralSchema');
  if (nonStructural?.status === 'True') {
    return { status: HealthStatus.Degraded, message: `schema is not structural: ${describeCondition(nonStructural)}` };
  }
  const established = findCondition(conditions, 'Established');
  if (established?.status === 'True') {
    const plural = stringAt(object, 'spec', 'names', 'plural');
    const group = stringAt(object, 'spec', 'group');
    return { status: HealthStatus.Healthy, message: plural && group ? `established: ${plural}.${group} is served` : 'established' };
  }
  const why = established ? `: ${describeCondition(established)}` : '';
  return { status: HealthStatus.Progressing, message: `waiting to be established${why}` };
}
