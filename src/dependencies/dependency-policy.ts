/**
 * Which Applications spec.dependsOn may name: those of its own namespace, and
 * those of another only where a BerthPolicy of its namespace lists that
 * namespace in dependsOnNamespaces (reading another tenant's release state is
 * an allowance a cluster admin gives, never a default). Pure.
 */
import { matchesGlob, type NamespacePolicy } from '../policy/policy.ts';

/** Why `namespace`'s Applications may not depend on one in `dependencyNamespace`; undefined when they may. */
export function dependencyRefusal(namespace: string, dependencyNamespace: string, policy: NamespacePolicy | undefined): string | undefined {
  if (dependencyNamespace === namespace) return undefined;
  const allowing = (policy?.rules ?? []).find((rule) => (rule.dependsOnNamespaces ?? []).some((glob) => matchesGlob(glob, dependencyNamespace)));
  if (allowing) return undefined;
  return `namespace ${dependencyNamespace} is not this Application's, and no BerthPolicy of ${namespace} lists it in dependsOnNamespaces`;
}
