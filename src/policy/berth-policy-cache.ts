/**
 * The BerthPolicies as the reconcile reads them: one cluster-wide list with the
 * controller's own identity, kept for 30 s and shared by every reconcile (10,000
 * Applications cost one list per 30 s, not one read each). Concurrent callers
 * share one list in flight. A failed list fails the reconcile (it is retried),
 * never lets it run unnarrowed. Without the BerthPolicy CRD installed there is
 * nothing to narrow with; that is logged once.
 *
 * Each namespace is also looked at once for the `berth-policy` ConfigMap older
 * releases read, so an admin who relied on it learns from the log that it is
 * ignored now.
 */
import type { KubeObject } from '../../objects.ts';
import { KubeApiError, type RestClient } from '../kube/rest.ts';
import { berthPoliciesPath } from './berth-policy-schema.ts';
import { legacyNamespacePolicyName, namespacePolicyFrom } from './namespace-policy.ts';
import type { NamespacePolicy } from './policy.ts';

export interface BerthPolicyCacheOptions {
  /** The controller's own client: BerthPolicies are read with its identity. */
  rest: Pick<RestClient, 'request'>;
  /** --controller-namespace. */
  controllerNamespace: string;
  log: { warn(fields: object, message: string): void };
  /** How long one list is used; default 30 s. */
  maxAgeMs?: number;
  now?: () => number;
}

export type NamespacePolicyLookup = (namespace: string) => Promise<NamespacePolicy>;

export const berthPolicyMaxAgeMs = 30_000;

export function createBerthPolicyLookup(options: BerthPolicyCacheOptions): NamespacePolicyLookup {
  const { rest, log } = options;
  const maxAgeMs = options.maxAgeMs ?? berthPolicyMaxAgeMs;
  const now = options.now ?? Date.now;
  let cached: { items: readonly KubeObject[]; at: number } | undefined;
  let inFlight: Promise<readonly KubeObject[]> | undefined;
  let missingCrdReported = false;
  const looked = new Set<string>();

  const list = async (): Promise<readonly KubeObject[]> => {
    try {
      const { body } = await rest.request('GET', berthPoliciesPath);
      return (body as { items?: KubeObject[] }).items ?? [];
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`BerthPolicies: cannot list them (${message}); Applications wait until they can be read`, { cause: error });
      }
      if (!missingCrdReported) log.warn({}, 'the BerthPolicy CRD (berthpolicies.berth.dev) is not installed: no per-namespace policy narrows the controller\'s');
      missingCrdReported = true;
      return [];
    }
  };
  const policies = (): Promise<readonly KubeObject[]> => {
    if (cached && now() - cached.at < maxAgeMs) return Promise.resolve(cached.items);
    inFlight ??= list()
      .then((items) => { cached = { items, at: now() }; return items; })
      .finally(() => { inFlight = undefined; });
    return inFlight;
  };
  const reportLegacyConfigMap = (namespace: string): void => {
    if (looked.has(namespace)) return;
    looked.add(namespace);
    rest.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${legacyNamespacePolicyName}`)
      .then(() => {
        log.warn({ namespace }, `ConfigMap ${namespace}/${legacyNamespacePolicyName} is no longer read (its namespace's tenant can write it): write a cluster-scoped BerthPolicy instead`);
      }, () => undefined);
  };

  return async (namespace) => {
    reportLegacyConfigMap(namespace);
    return namespacePolicyFrom(await policies(), namespace, options.controllerNamespace);
  };
}
