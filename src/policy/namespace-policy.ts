/**
 * A namespace's own policy: the ConfigMap `berth-policy` in an Application's
 * namespace narrows the controller's for the Applications there, so a cluster
 * admin can give one team `https://github.com/team-a/*` and `team-a-*` without
 * restarting the controller. It can only narrow (see policy.ts). Keys:
 *
 *   allowedRepos          comma-separated URL globs
 *   allowedDestinations   comma-separated namespace globs
 *   allowClusterScoped    "false" to forbid cluster-scoped kinds
 *
 * An unknown key or a bad value fails closed: the Applications of that
 * namespace are refused until the ConfigMap is fixed, never run unrestricted.
 */
import { KubeApiError, type RestClient } from '../kube/rest.ts';
import { InvalidSourceError } from '../source/errors.ts';
import type { NamespacePolicy } from './policy.ts';

export const namespacePolicyName = 'berth-policy';

const keys = new Set(['allowedRepos', 'allowedDestinations', 'allowClusterScoped']);

const list = (value: string | undefined): string[] => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);

/** Reads the data of a namespace's berth-policy ConfigMap; throws an InvalidSourceError (NotAllowed) naming a bad key. */
export function parseNamespacePolicy(namespace: string, data: Readonly<Record<string, string>>): NamespacePolicy {
  const source = `ConfigMap ${namespace}/${namespacePolicyName}`;
  for (const key of Object.keys(data)) {
    if (!keys.has(key)) throw new InvalidSourceError('NotAllowed', `${source}: unknown key ${key} (expected ${[...keys].join(', ')})`);
  }
  const clusterScoped = data.allowClusterScoped?.trim();
  if (clusterScoped !== undefined && clusterScoped !== 'true' && clusterScoped !== 'false') {
    throw new InvalidSourceError('NotAllowed', `${source}: allowClusterScoped must be "true" or "false", not ${JSON.stringify(clusterScoped)}`);
  }
  return { source, allowedRepos: list(data.allowedRepos), allowedDestinations: list(data.allowedDestinations), allowClusterScoped: clusterScoped !== 'false' };
}

/** The namespace's berth-policy, read with the controller's own identity; undefined when there is none. */
export async function readNamespacePolicy(rest: RestClient, namespace: string): Promise<NamespacePolicy | undefined> {
  try {
    const { body } = await rest.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${namespacePolicyName}`);
    return parseNamespacePolicy(namespace, (body as { data?: Record<string, string> }).data ?? {});
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}
