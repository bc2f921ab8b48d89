/**
 * Berth's own state, which no Application may write or delete, whatever the
 * rest of the policy allows: a rendered object that would change it is refused
 * before anything is applied, and prune never deletes one. It is
 *   - any BerthPolicy (tenant policy must come from a cluster admin, never a repository),
 *   - a HealthRule, unless the Application lives in the controller's namespace (it
 *     decides what is Healthy for every tenant; the platform team may keep them in Git),
 *   - the CustomResourceDefinitions of Applications, BerthPolicies and HealthRules,
 *   - ConfigMaps named `berth-release-*` (release records), in any namespace,
 *   - anything in the controller's namespace (and that Namespace itself), unless
 *     the Application lives there: the platform team's own Applications may.
 */
import { apiGroup } from '../application/schema.ts';
import { berthPolicyKind } from './berth-policy-schema.ts';
import { healthRuleKind, healthRulePlural } from '../health-rules/health-rule-schema.ts';

/** What is judged of one object: its kind, where it is ('' when cluster-scoped) and its name. */
export interface ObjectTarget {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface BerthStateContext {
  /** The Application's namespace; undefined when unknown (then nothing is exempt). */
  applicationNamespace: string | undefined;
  /** --controller-namespace; undefined when unknown (then that rule cannot be checked). */
  controllerNamespace: string | undefined;
}

export const berthCrdNames: readonly string[] = [`applications.${apiGroup}`, `berthpolicies.${apiGroup}`, `${healthRulePlural}.${apiGroup}`];
export const releaseRecordPrefix = 'berth-release-';

/** Why `target` is Berth's own state, or undefined when it is not. */
export function berthStateProblem(target: ObjectTarget, context: BerthStateContext): string | undefined {
  if (target.group === apiGroup && target.kind === berthPolicyKind) {
    return 'a BerthPolicy is Berth\'s own policy: only a cluster admin writes one, never an Application';
  }
  if (target.group === apiGroup && target.kind === healthRuleKind && (context.controllerNamespace === undefined || context.applicationNamespace !== context.controllerNamespace)) {
    return `a HealthRule decides what is Healthy for every Application: only Applications in the controller's namespace${context.controllerNamespace ? ` ${context.controllerNamespace}` : ''} may write one`;
  }
  if (target.group === 'apiextensions.k8s.io' && target.kind === 'CustomResourceDefinition' && berthCrdNames.includes(target.name)) {
    return 'Berth\'s own CustomResourceDefinition: no Application may write or delete it';
  }
  if (target.group === '' && target.kind === 'ConfigMap' && target.name.startsWith(releaseRecordPrefix)) {
    return `${releaseRecordPrefix}* ConfigMaps are Berth's release records: no Application may write or delete one`;
  }
  const { controllerNamespace, applicationNamespace } = context;
  if (controllerNamespace === undefined || applicationNamespace === controllerNamespace) return undefined;
  const inControllerNamespace = target.namespace === controllerNamespace
    || (target.group === '' && target.kind === 'Namespace' && target.name === controllerNamespace);
  if (inControllerNamespace) {
    return `the controller's namespace ${controllerNamespace} (--controller-namespace) is Berth's own: only Applications in it may write there`;
  }
  return undefined;
}
