/**
 * Health of what routes traffic in: core/v1 Services and networking.k8s.io/v1
 * Ingresses. Only a LoadBalancer Service and an Ingress wait for something outside
 * the API server (a cloud load balancer, an ingress controller) to write an address.
 */
import type { KubeObject } from '../objects.ts';
import { arrayAt, stringAt } from './fields.ts';
import { type Health, HealthStatus } from './status.ts';

function loadBalancerAddresses(object: KubeObject): string[] {
  return arrayAt(object, 'status', 'loadBalancer', 'ingress')
    .map((entry) => stringAt(entry, 'ip') ?? stringAt(entry, 'hostname'))
    .filter((address) => address !== undefined);
}

export function serviceHealth(object: KubeObject): Health {
  const type = stringAt(object, 'spec', 'type') ?? 'ClusterIP';
  if (type !== 'LoadBalancer') {
    // The API server allocates a ClusterIP or NodePort synchronously, on create.
    return { status: HealthStatus.Healthy, message: `${type} service` };
  }
  const addresses = loadBalancerAddresses(object);
  if (addresses.length === 0) return { status: HealthStatus.Progressing, message: 'waiting for a load balancer address' };
  return { status: HealthStatus.Healthy, message: `load balancer at ${addresses.join(', ')}` };
}

/**
 * In a cluster without an ingress controller nobody writes the address and the
 * Ingress stays Progressing; the `berth.dev/health-ignore` annotation is the way out.
 */
export function ingressHealth(object: KubeObject): Health {
  const addresses = loadBalancerAddresses(object);
  if (addresses.length === 0) return { status: HealthStatus.Progressing, message: 'waiting for the ingress controller to assign an address' };
  return { status: HealthStatus.Healthy, message: `served at ${addresses.join(', ')}` };
}
