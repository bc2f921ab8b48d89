/**
 * Whether an Application may write what it rendered: every object's namespace
 * (objects without one land in the destination namespace) must match
 * --allowed-destinations, and cluster-scoped kinds need --allow-cluster-scoped.
 * Decided over the whole set before anything is applied, so a refusal writes
 * nothing and prunes nothing. The scope of each kind comes from discovery; a
 * kind the server does not serve yet is looked up among the rendered CRDs.
 */
import { parseApiVersion, type KubeObject } from '../../objects.ts';
import { allowed, matchesAny, policyRules, refused, type NamespacePolicy, type PolicyDecision, type SecurityPolicy } from './policy.ts';

export type KindScope = 'Namespaced' | 'Cluster' | undefined;

export interface DestinationInput {
  /** spec.destination.namespace of the Application. */
  destinationNamespace: string;
  /** Each rendered object with its kind's scope from discovery (undefined: not served). */
  objects: readonly { object: KubeObject; scope: KindScope }[];
  /** The Application namespace's berth-policy, which narrows the controller's. */
  namespacePolicy?: NamespacePolicy | undefined;
}

/** One list of allowed namespaces and how a refusal names it. */
interface Gate { patterns: readonly string[]; describe: string }

/** How many refused objects a message lists before counting the rest. */
const listed = 3;

function nameOf(object: KubeObject, namespace: string | undefined): string {
  const name = object.metadata.name ?? '';
  return namespace ? `${object.kind}/${namespace}/${name}` : `${object.kind}/${name}`;
}

/** The scope a rendered CRD declares for (group, kind); undefined when none of the objects defines it. */
function scopeFromRenderedCrds(objects: DestinationInput['objects'], object: KubeObject): KindScope {
  const { group } = parseApiVersion(object.apiVersion);
  for (const { object: crd } of objects) {
    if (crd.kind !== 'CustomResourceDefinition') continue;
    const spec = (crd as { spec?: { group?: string; scope?: string; names?: { kind?: string } } }).spec;
    if (spec && spec.group === group && spec.names?.kind === object.kind) return spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced';
  }
  return undefined;
}

function join(problems: string[]): string {
  const shown = problems.slice(0, listed).join('; ');
  return problems.length > listed ? `${shown}; and ${problems.length - listed} more` : shown;
}

export function checkDestinationPolicy(input: DestinationInput, policy: SecurityPolicy): PolicyDecision {
  const scoped = input.namespacePolicy;
  const gates: Gate[] = [{ patterns: policy.allowedDestinations, describe: policyRules.allowedDestinations }];
  if (scoped && scoped.allowedDestinations.length > 0) gates.push({ patterns: scoped.allowedDestinations, describe: `${scoped.source} allowedDestinations` });
  /** The first gate that refuses `namespace`, if any. */
  const refusing = (namespace: string): Gate | undefined => gates.find((gate) => !matchesAny(gate.patterns, namespace));
  const explain = (gate: Gate): string => `${gate.describe} (${gate.patterns.join(', ')})`;

  const gate = refusing(input.destinationNamespace);
  if (gate) return refused(gate.describe, `destination namespace ${input.destinationNamespace} is not allowed by ${explain(gate)}`);
  const clusterRule = !policy.allowClusterScoped ? `${policyRules.allowClusterScoped}=false`
    : scoped?.allowClusterScoped === false ? `${scoped.source} allowClusterScoped=false` : undefined;
  let outsideRule = '';
  const outside: string[] = [];
  const clusterScoped: string[] = [];
  const check = (namespace: string, name: string): void => {
    const refusedBy = refusing(namespace);
    if (!refusedBy) return;
    outsideRule ||= refusedBy.describe;
    outside.push(`${name}: namespace ${namespace} is not allowed by ${explain(refusedBy)}`);
  };
  for (const { object, scope } of input.objects) {
    const resolved = scope ?? scopeFromRenderedCrds(input.objects, object);
    if (resolved === 'Cluster') {
      if (clusterRule) clusterScoped.push(nameOf(object, undefined));
      // A Namespace is where later objects land: the same allow-lists apply to its name.
      if (object.kind === 'Namespace' && object.apiVersion === 'v1') check(object.metadata.name ?? '', nameOf(object, undefined));
      continue;
    }
    const namespace = object.metadata.namespace || input.destinationNamespace;
    check(namespace, nameOf(object, namespace));
  }
  if (clusterRule && clusterScoped.length > 0) {
    return refused(clusterRule.replace(/=false$/, ''), `cluster-scoped objects are not allowed by ${clusterRule}: ${join(clusterScoped)}`);
  }
  if (outside.length > 0) return refused(outsideRule, join(outside));
  return allowed;
}
