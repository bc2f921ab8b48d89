/**
 * Which cluster an Application deploys to, decided from its destination, the
 * cluster Secrets and the BerthPolicies of its namespace (issue 19). Pure: the
 * table test beside it is the whole rule.
 *
 * No destination.name and no destination.server (or name `in-cluster`, or the
 * in-cluster URL) is the cluster Berth runs against. Otherwise the Secret whose
 * name (or server) matches decides, and must let the Application's namespace
 * deploy there and its destination namespace be written there. A BerthPolicy
 * with allowedClusters narrows further, `in-cluster` included.
 */
import { matchesGlob } from '../policy/policy.ts';
import { localClusterName, type ClusterConfig } from './cluster-secret.ts';

/** How a cluster Secret read: its config, or why it could not be read. */
export type KnownCluster = { ok: true; config: ClusterConfig } | { ok: false; name: string; server?: string; source: string; message: string };

export interface DestinationRequest {
  /** The Application's namespace. */
  applicationNamespace: string;
  destination: { name?: string | undefined; server?: string | undefined; namespace: string };
  /** allowedClusters of each BerthPolicy governing the namespace (each narrows; empty narrows nothing). */
  policyClusters: readonly { source: string; allowedClusters: readonly string[] }[];
}

export type DestinationDecision =
  | { kind: 'local'; name: typeof localClusterName }
  | { kind: 'remote'; name: string; config: ClusterConfig }
  | { kind: 'refused'; name: string; message: string };

const inClusterServers = new Set(['https://kubernetes.default.svc', 'https://kubernetes.default.svc.cluster.local']);

const trimmed = (url: string): string => url.replace(/\/+$/, '');

export function decideDestination(request: DestinationRequest, clusters: readonly KnownCluster[]): DestinationDecision {
  const { destination, applicationNamespace } = request;
  if (destination.name !== undefined && destination.server !== undefined) {
    return { kind: 'refused', name: destination.name, message: 'spec.destination: give name or server, not both' };
  }
  const local = destination.name === undefined
    ? destination.server === undefined || inClusterServers.has(trimmed(destination.server))
    : destination.name === localClusterName;
  const wanted = destination.name ?? (local ? localClusterName : trimmed(destination.server ?? ''));
  const found = local ? undefined : clusters.find((cluster) => (destination.name !== undefined
    ? (cluster.ok ? cluster.config.name : cluster.name) === destination.name
    : (cluster.ok ? cluster.config.server : cluster.server) === wanted));
  const name = local ? localClusterName : found ? (found.ok ? found.config.name : found.name) : wanted;

  for (const rule of request.policyClusters) {
    if (rule.allowedClusters.length > 0 && !rule.allowedClusters.some((glob) => matchesGlob(glob, name))) {
      return { kind: 'refused', name, message: `cluster ${name} is not allowed for namespace ${applicationNamespace} by ${rule.source} allowedClusters` };
    }
  }
  if (local) return { kind: 'local', name: localClusterName };
  if (!found) {
    const field = destination.name !== undefined ? `spec.destination.name ${destination.name}` : `spec.destination.server ${wanted}`;
    return { kind: 'refused', name, message: `${field}: no cluster Secret in the controller's namespace names it` };
  }
  if (!found.ok) return { kind: 'refused', name, message: `cluster ${name}: ${found.message}` };
  const { config } = found;
  if (!config.applicationNamespaces.some((glob) => matchesGlob(glob, applicationNamespace))) {
    return { kind: 'refused', name, message: `cluster ${name}: Applications of namespace ${applicationNamespace} may not deploy there (${config.source} data.applicationNamespaces)` };
  }
  if (config.namespaces.length > 0 && !config.namespaces.some((glob) => matchesGlob(glob, destination.namespace))) {
    return { kind: 'refused', name, message: `cluster ${name}: namespace ${destination.namespace} is not among the namespaces ${config.source} allows (data.namespaces)` };
  }
  return { kind: 'remote', name, config };
}
