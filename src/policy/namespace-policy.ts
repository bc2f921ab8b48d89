/**
 * The policy of one Application namespace, from the cluster-scoped
 * BerthPolicies (berth-policy-schema.ts) whose spec.namespaces match it. Each
 * narrows the controller's policy; together they narrow further (a value must
 * pass every one), so adding a BerthPolicy can never widen anything. An invalid
 * BerthPolicy fails closed: the Applications of the namespaces it names (of
 * every namespace, when even spec.namespaces cannot be read) are refused,
 * naming the object and the field, until a cluster admin fixes it.
 *
 * The `berth-policy` ConfigMap that used to live in the tenant's own namespace
 * is not read: the tenant could write it (issue 13).
 */
import type { KubeObject } from '../../objects.ts';
import { InvalidSourceError } from '../errors.ts';
import { berthPolicyKind, berthPolicySpecSchema } from './berth-policy-schema.ts';
import { matchesGlob, type NamespacePolicy, type NamespaceRules } from './policy.ts';

/** The name of the ConfigMap older releases read; found ones are reported, never obeyed. */
export const legacyNamespacePolicyName = 'berth-policy';

const sourceOf = (object: KubeObject): string => `${berthPolicyKind} ${object.metadata.name ?? ''}`;

/** Namespace globs of a spec that did not validate, if they can be read at all. */
function namedNamespaces(spec: unknown): readonly string[] | undefined {
  const namespaces = (spec as { namespaces?: unknown } | undefined)?.namespaces;
  if (!Array.isArray(namespaces) || namespaces.length === 0) return undefined;
  return namespaces.every((item) => typeof item === 'string') ? namespaces : undefined;
}

const names = (globs: readonly string[], namespace: string): boolean => globs.some((glob) => matchesGlob(glob, namespace));

/**
 * What the BerthPolicies `objects` ask of the Applications in `namespace`.
 * Throws an InvalidSourceError (NotAllowed) when one that may name it is invalid.
 */
export function namespacePolicyFrom(objects: readonly KubeObject[], namespace: string, controllerNamespace: string): NamespacePolicy {
  const rules: NamespaceRules[] = [];
  for (const object of objects) {
    const raw = (object as { spec?: unknown }).spec;
    const parsed = berthPolicySpecSchema.safeParse(raw);
    if (!parsed.success) {
      const globs = namedNamespaces(raw);
      if (globs && !names(globs, namespace)) continue;
      const problems = parsed.error.issues.map((issue) => `spec${issue.path.map((key) => (typeof key === 'number' ? `[${String(key)}]` : `.${String(key)}`)).join('')}: ${issue.message}`);
      throw new InvalidSourceError('NotAllowed',
        `${sourceOf(object)} is invalid (${problems.join('; ')}); the Applications of the namespaces it names are refused until it is fixed`);
    }
    const spec = parsed.data;
    if (!names(spec.namespaces, namespace)) continue;
    rules.push({
      source: sourceOf(object),
      allowedRepos: spec.allowedRepos,
      allowedDestinations: spec.allowedDestinations,
      allowClusterScoped: spec.allowClusterScoped,
      allowedKinds: spec.allowedKinds,
      deniedKinds: spec.deniedKinds,
      ...(spec.dependsOnNamespaces.length > 0 ? { dependsOnNamespaces: spec.dependsOnNamespaces } : {}),
      allowedClusters: spec.allowedClusters,
    });
  }
  // Sorted by source so refusals name the same BerthPolicy whatever order the list came in.
  rules.sort((a, b) => a.source.localeCompare(b.source));
  return { namespace, controllerNamespace, rules };
}
