/**
 * Whether an Application may write what it rendered: every object's namespace
 * (objects without one land in the destination namespace) must match
 * --allowed-destinations, and cluster-scoped kinds need --allow-cluster-scoped;
 * every BerthPolicy of the Application's namespace narrows both, and may deny
 * kinds; nothing may touch Berth's own state (object-policy.ts judges each). Decided over the whole set before anything is applied, so a refusal writes
 * nothing and prunes nothing. The scope of each kind comes from discovery; a
 * kind the server does not serve yet is looked up among the rendered CRDs.
 */
import { parseApiVersion, type KubeObject } from '../../objects.ts';
import { destinationGates, explainGate, judgeObject, refusalCategories, refusingGate, type RefusalCategory } from './object-policy.ts';
import { allowed, refused, type NamespacePolicy, type PolicyDecision, type SecurityPolicy } from './policy.ts';

export type KindScope = 'Namespaced' | 'Cluster' | undefined;

export interface DestinationInput {
  /** spec.destination.namespace of the Application. */
  destinationNamespace: string;
  /** Each rendered object with its kind's scope from discovery (undefined: not served). */
  objects: readonly { object: KubeObject; scope: KindScope }[];
  /** The BerthPolicies of the Application's namespace and Berth's own state, which narrow the controller's. */
  namespacePolicy?: NamespacePolicy | undefined;
}

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

export function checkDestinationPolicy(input: DestinationInput, security: SecurityPolicy): PolicyDecision {
  const policy = { security, namespace: input.namespacePolicy };
  const gates = destinationGates(policy);
  const gate = refusingGate(gates, input.destinationNamespace);
  if (gate) return refused(gate.describe, `destination namespace ${input.destinationNamespace} is not allowed by ${explainGate(gate)}`);

  const found = new Map<RefusalCategory, { rule: string; reason: string; names: string[] }>();
  for (const { object, scope } of input.objects) {
    const resolved = scope ?? scopeFromRenderedCrds(input.objects, object);
    const namespace = resolved === 'Cluster' ? '' : object.metadata.namespace || input.destinationNamespace;
    const { group } = parseApiVersion(object.apiVersion);
    const refusal = judgeObject({ group, kind: object.kind, namespace, name: object.metadata.name ?? '' }, policy, gates);
    if (!refusal) continue;
    const entry = found.get(refusal.category) ?? { rule: refusal.rule, reason: refusal.reason, names: [] };
    found.set(refusal.category, entry);
    const name = nameOf(object, namespace || undefined);
    // Cluster-scoped refusals share one reason; the others each say their own.
    entry.names.push(refusal.category === 'clusterScoped' ? name : `${name}: ${refusal.reason}`);
  }
  for (const category of refusalCategories) {
    const entry = found.get(category);
    if (!entry) continue;
    return refused(entry.rule, category === 'clusterScoped' ? `${entry.reason}: ${join(entry.names)}` : join(entry.names));
  }
  return allowed;
}
