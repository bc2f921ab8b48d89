/**
 * The policy decisions as the reconcile uses them: a refusal becomes an
 * InvalidSourceError with reason NotAllowed, which the reconcile reports on the
 * Application (Stalled, naming the rule) and never retries, and which stops the
 * release before anything is applied or pruned.
 */
import type { KubeObject } from '../../objects.ts';
import { parseApiVersion } from '../../objects.ts';
import type { ClusterClient } from '../../sync/cluster.ts';
import { InvalidSourceError } from '../errors.ts';
import { checkDestinationPolicy, type KindScope } from './destination-policy.ts';
import type { NamespacePolicy, PolicyDecision, SecurityPolicy } from './policy.ts';
import { checkSourcePolicy } from './source-policy.ts';

function enforce(decision: PolicyDecision): void {
  if (!decision.allowed) throw new InvalidSourceError('NotAllowed', decision.message);
}

export function enforceSourcePolicy(url: string, policy: SecurityPolicy, namespacePolicy?: NamespacePolicy): void {
  enforce(checkSourcePolicy(url, policy, namespacePolicy));
}

/** Looks up the scope of each rendered kind (discovery, cached) and checks the whole set. */
export async function enforceDestinationPolicy(
  objects: readonly KubeObject[], destinationNamespace: string, cluster: Pick<ClusterClient, 'resourceScope'>, policy: SecurityPolicy,
  namespacePolicy?: NamespacePolicy,
): Promise<void> {
  const scopes = new Map<string, Promise<KindScope>>();
  const scopeOf = (object: KubeObject): Promise<KindScope> => {
    const key = `${object.apiVersion}/${object.kind}`;
    let scope = scopes.get(key);
    if (!scope) {
      const { group, version } = parseApiVersion(object.apiVersion);
      scope = cluster.resourceScope(group, version, object.kind);
      scopes.set(key, scope);
    }
    return scope;
  };
  const scoped = await Promise.all(objects.map(async (object) => ({ object, scope: await scopeOf(object) })));
  enforce(checkDestinationPolicy({ destinationNamespace, objects: scoped, namespacePolicy }, policy));
}
