/**
 * The one judgement of whether an Application may write (apply) or delete
 * (prune) one object, from the controller's policy and the BerthPolicies of the
 * Application's namespace: Berth's own state (berth-state.ts), cluster-scoped
 * kinds, kinds a BerthPolicy denies or does not allow, and namespaces outside
 * the allowed destinations. destination-policy.ts runs it over a rendered set,
 * `mayDelete` over one prune candidate, so what may not be applied may not be
 * deleted either.
 */
import { formatRef, type ObjectRef } from '../../objects.ts';
import { berthStateProblem, type ObjectTarget } from './berth-state.ts';
import { matchesAny, policyRules, type NamespacePolicy, type SecurityPolicy } from './policy.ts';

/** The kinds of refusal, in the order a rendered set's refusal reports them. */
export const refusalCategories = ['berthState', 'clusterScoped', 'kind', 'namespace'] as const;
export type RefusalCategory = (typeof refusalCategories)[number];

export interface ObjectRefusal {
  category: RefusalCategory;
  /** The flag or BerthPolicy field to change. */
  rule: string;
  /** Why, without the object's name. */
  reason: string;
}

/** The controller's policy and the namespace's, as the reconcile hands them around. */
export interface ApplicationPolicy {
  security: SecurityPolicy;
  namespace: NamespacePolicy | undefined;
}

/** One list of allowed patterns and how a refusal names it. */
export interface Gate { patterns: readonly string[]; describe: string }

export const explainGate = (gate: Gate): string => `${gate.describe} (${gate.patterns.join(', ')})`;

/** The destination gates: --allowed-destinations and every BerthPolicy's allowedDestinations. */
export function destinationGates(policy: ApplicationPolicy): Gate[] {
  const gates: Gate[] = [{ patterns: policy.security.allowedDestinations, describe: policyRules.allowedDestinations }];
  for (const rules of policy.namespace?.rules ?? []) {
    if (rules.allowedDestinations.length > 0) gates.push({ patterns: rules.allowedDestinations, describe: `${rules.source} allowedDestinations` });
  }
  return gates;
}

/** The first gate that refuses `namespace`, if any. */
export const refusingGate = (gates: readonly Gate[], namespace: string): Gate | undefined =>
  gates.find((gate) => !matchesAny(gate.patterns, namespace));

/** `--allow-cluster-scoped=false` or `BerthPolicy x allowClusterScoped=false` when cluster-scoped kinds are refused. */
export function clusterScopedRule(policy: ApplicationPolicy): string | undefined {
  if (!policy.security.allowClusterScoped) return `${policyRules.allowClusterScoped}=false`;
  const narrowing = policy.namespace?.rules.find((rules) => !rules.allowClusterScoped);
  return narrowing ? `${narrowing.source} allowClusterScoped=false` : undefined;
}

/** `apps/Deployment`; the core group is `core`, as BerthPolicy globs write it. */
export const kindName = (target: Pick<ObjectTarget, 'group' | 'kind'>): string => `${target.group || 'core'}/${target.kind}`;

function kindRefusal(target: ObjectTarget, policy: ApplicationPolicy): ObjectRefusal | undefined {
  const kind = kindName(target);
  for (const rules of policy.namespace?.rules ?? []) {
    if (rules.deniedKinds.length > 0 && matchesAny(rules.deniedKinds, kind)) {
      const rule = `${rules.source} deniedKinds`;
      return { category: 'kind', rule, reason: `kind ${kind} is denied by ${rule} (${rules.deniedKinds.join(', ')})` };
    }
  }
  for (const rules of policy.namespace?.rules ?? []) {
    if (!matchesAny(rules.allowedKinds, kind)) {
      const rule = `${rules.source} allowedKinds`;
      return { category: 'kind', rule, reason: `kind ${kind} is not allowed by ${rule} (${rules.allowedKinds.join(', ')})` };
    }
  }
  return undefined;
}

/**
 * Why the Application may not write or delete `target`, or undefined when it
 * may. `target.namespace` is '' for a cluster-scoped object (a Namespace is
 * judged as the destination it names); `gates` may be passed when judging many.
 */
export function judgeObject(target: ObjectTarget, policy: ApplicationPolicy, gates: readonly Gate[] = destinationGates(policy)): ObjectRefusal | undefined {
  const state = berthStateProblem(target, {
    applicationNamespace: policy.namespace?.namespace, controllerNamespace: policy.namespace?.controllerNamespace,
  });
  if (state) return { category: 'berthState', rule: policyRules.berthState, reason: state };
  const clusterScoped = target.namespace === '';
  const clusterRule = clusterScoped ? clusterScopedRule(policy) : undefined;
  if (clusterRule) return { category: 'clusterScoped', rule: clusterRule.replace(/=false$/, ''), reason: `cluster-scoped objects are not allowed by ${clusterRule}` };
  const kind = kindRefusal(target, policy);
  if (kind) return kind;
  // A Namespace is where later objects land: the same allow-lists apply to its name.
  const namespace = clusterScoped ? (target.group === '' && target.kind === 'Namespace' ? target.name : undefined) : target.namespace;
  const gate = namespace === undefined ? undefined : refusingGate(gates, namespace);
  if (gate && namespace !== undefined) return { category: 'namespace', rule: gate.describe, reason: `namespace ${namespace} is not allowed by ${explainGate(gate)}` };
  return undefined;
}

/**
 * The prune guard's policy check: why the Application may not delete `ref`
 * (`Secret/kube-system/x: ...`), or undefined when it may. An inventory entry
 * with no namespace is cluster-scoped.
 */
export function mayDelete(ref: ObjectRef, policy: ApplicationPolicy): string | undefined {
  const refusal = judgeObject(ref, policy);
  return refusal ? `${formatRef(ref)}: may not be deleted: ${refusal.reason}` : undefined;
}
