/**
 * The built-in CEL health library, as data (issue 18): one rule per group/kind
 * of the operators people run, written here from each operator's documented
 * status (and checked against the semantics of Argo CD's Lua health scripts and
 * Flux's kstatus use), each with a fixture table in builtin.test.ts. A cluster's
 * HealthRule objects and an Application's spec.healthChecks override a rule by
 * group/kind (rule-set.ts).
 *
 * Shared choices: a condition written for an older generation says nothing about
 * this one; a missing status is "not yet current" (Progressing), never an error;
 * a controller's transient states (issuing, creating, a failover) are in
 * progress, and only a state the operator reports as failed for this spec is
 * failed, since failed rolls a commit back.
 */
import type { CelHealthRule } from '../cel-rules.ts';
import {
  conditions, fresh, hasCondition, observed, phaseIn, reasonIn, reasonNotIn, sayBehind, sayConditions, sayIf, sayStale, statusField,
} from './cel-text.ts';

const source = (group: string, kind: string): string => `built-in ${kind}.${group || 'core'}`;
const specFlag = (field: string): string => `(has(self.spec) && has(self.spec.${field}) && self.spec.${field} == true)`;

/**
 * The kstatus shape most controllers write: Ready True is current, Stalled True
 * failed, Reconciling True in progress. `readyFalseFails`: Ready False (for this
 * generation, with a reason not in `progressingReasons`) is failed, as Flux,
 * Knative, KEDA and external-secrets mean it; otherwise it is still in progress.
 */
function readyRule(group: string, kind: string, options: { readyFalseFails: boolean; progressingReasons?: readonly string[]; suspended?: string }): CelHealthRule {
  const readyFalse = hasCondition('Ready', 'False', reasonNotIn(options.progressingReasons ?? []));
  return {
    group, kind, source: source(group, kind),
    failed: `${hasCondition('Stalled', 'True')}${options.readyFalseFails ? ` || (${observed} && ${readyFalse})` : ''}`,
    ...(options.suspended ? { suspended: options.suspended } : {}),
    inProgress: `!${observed} || ${hasCondition('Reconciling', 'True')}`,
    current: `${hasCondition('Ready', 'True')} && ${observed}`,
    messages: [sayBehind, sayConditions(['Stalled'], 'True'), sayStale(['Ready']), sayConditions(['Ready'], 'False'), sayConditions(['Reconciling'], 'True'), sayConditions(['Ready'])],
  };
}

/** fluxcd/pkg/runtime: Ready False with these reasons is waiting, not failing. */
const fluxProgressingReasons = ['Progressing', 'ProgressingWithRetry', 'DependencyNotReady'];
const flux = (group: string, kind: string): CelHealthRule =>
  readyRule(group, kind, { readyFalseFails: true, progressingReasons: fluxProgressingReasons, suspended: specFlag('suspend') });

const certManager: CelHealthRule[] = [
  {
    // Issuing True while a request is in flight; a failed request sets Issuing False (reason Failed) and cert-manager backs off.
    group: 'cert-manager.io', kind: 'Certificate', source: source('cert-manager.io', 'Certificate'),
    failed: `${hasCondition('Issuing', 'False', reasonIn(['Failed']))} || ${hasCondition('Ready', 'False', reasonIn(['Failed']))}`,
    inProgress: hasCondition('Issuing', 'True'),
    current: hasCondition('Ready', 'True'),
    messages: [sayConditions(['Issuing'], 'False'), sayConditions(['Issuing'], 'True'), sayStale(['Ready']), sayConditions(['Ready'])],
  },
  readyRule('cert-manager.io', 'Issuer', { readyFalseFails: true }),
  readyRule('cert-manager.io', 'ClusterIssuer', { readyFalseFails: true }),
];

const fluxRules: CelHealthRule[] = [
  flux('kustomize.toolkit.fluxcd.io', 'Kustomization'),
  flux('helm.toolkit.fluxcd.io', 'HelmRelease'),
  flux('source.toolkit.fluxcd.io', 'GitRepository'),
  flux('source.toolkit.fluxcd.io', 'OCIRepository'),
  flux('source.toolkit.fluxcd.io', 'HelmRepository'),
  flux('source.toolkit.fluxcd.io', 'HelmChart'),
  flux('source.toolkit.fluxcd.io', 'Bucket'),
];

/**
 * Argo Rollouts writes status.phase (Healthy, Progressing, Paused, Degraded) since
 * v1.0; older controllers only replica counts and the pod hashes, judged as Argo CD
 * does. status.observedGeneration is a string there.
 */
const rolloutObserved = `(!has(self.status) || !has(self.status.observedGeneration) || string(self.status.observedGeneration) == string(self.metadata.generation))`;
const rolloutLegacyCurrent = `(has(self.status) && !has(self.status.phase) && has(self.status.currentPodHash)`
  + ` && (!has(self.spec.replicas) || (has(self.status.updatedReplicas) && self.status.updatedReplicas >= self.spec.replicas))`
  + ` && (!has(self.status.replicas) || (has(self.status.updatedReplicas) && self.status.replicas <= self.status.updatedReplicas))`
  + ` && (!has(self.status.updatedReplicas) || (has(self.status.availableReplicas) && self.status.availableReplicas >= self.status.updatedReplicas))`
  + ` && (!has(self.status.activeSelector) || self.status.activeSelector == self.status.currentPodHash))`;
const rollout: CelHealthRule = {
  group: 'argoproj.io', kind: 'Rollout', source: source('argoproj.io', 'Rollout'),
  failed: `${conditions}.exists(c, c.type == 'InvalidSpec' && c.status == 'True') || ${phaseIn(['Degraded'])} || (has(self.status) && has(self.status.abort) && self.status.abort == true)`,
  suspended: `${rolloutObserved} && (${phaseIn(['Paused'])} || ${specFlag('paused')})`,
  inProgress: `!${rolloutObserved} || ${phaseIn(['Progressing'])}`,
  current: `${rolloutObserved} && (${phaseIn(['Healthy'])} || ${rolloutLegacyCurrent})`,
  messages: [
    sayIf(`!${rolloutObserved}`, `'waiting for the controller to observe generation ' + string(self.metadata.generation)`),
    sayConditions(['InvalidSpec']),
    sayIf(`${statusField('message')} != ''`, statusField('message')),
    sayIf(`${statusField('phase')} != ''`, statusField('phase')),
  ],
};

const keda = (kind: string): CelHealthRule =>
  readyRule('keda.sh', kind, { readyFalseFails: true, suspended: hasCondition('Paused', 'True') });

const externalSecrets: CelHealthRule[] = ['ExternalSecret', 'SecretStore', 'ClusterSecretStore', 'ClusterExternalSecret', 'PushSecret']
  .map((kind) => readyRule('external-secrets.io', kind, { readyFalseFails: true }));

/**
 * Crossplane composite resources, claims and managed resources have the user's
 * (or the provider's) group, so the rule is for `*` and matches their shape: a
 * composition or resource reference in spec (or spec.crossplane, v2, or
 * spec.forProvider) and a Synced condition. Synced False is a failed reconcile;
 * Ready False (Creating, Unavailable) is still on its way, as Argo CD has it.
 */
const crossplane: CelHealthRule = {
  group: '*', kind: '*', source: 'built-in Crossplane composite resources, claims and managed resources',
  match: `has(self.spec) && (has(self.spec.compositionRef) || has(self.spec.compositionSelector) || has(self.spec.compositionRevisionRef)`
    + ` || has(self.spec.resourceRef) || has(self.spec.resourceRefs) || has(self.spec.crossplane) || has(self.spec.forProvider))`
    + ` && ${conditions}.exists(c, c.type == 'Synced')`,
  failed: `${hasCondition('Synced', 'False')} || ${hasCondition('LastAsyncOperation', 'False')}`,
  current: `${hasCondition('Synced', 'True')} && ${hasCondition('Ready', 'True')}`,
  messages: [sayConditions(['Synced', 'LastAsyncOperation'], 'False'), sayStale(['Synced', 'Ready']), sayConditions(['Ready'], 'False'), sayConditions(['Ready'])],
};

/**
 * Prometheus Operator (v0.60+): Available True/False/Degraded and Reconciled.
 * Available False is what a new Prometheus reports until its pods are ready, so
 * only Reconciled False (the operator could not apply the spec) is failed. Older
 * operators wrote replica counts only.
 */
const prometheusLegacyCurrent = `(!${conditions}.exists(c, c.type == 'Available') && has(self.status) && has(self.status.replicas)`
  + ` && has(self.status.availableReplicas) && self.status.availableReplicas == self.status.replicas`
  + ` && (!has(self.status.updatedReplicas) || self.status.updatedReplicas == self.status.replicas))`;
const prometheusOperator = (kind: string): CelHealthRule => ({
  group: 'monitoring.coreos.com', kind, source: source('monitoring.coreos.com', kind),
  failed: hasCondition('Reconciled', 'False'),
  suspended: `${specFlag('paused')} || (has(self.status) && has(self.status.paused) && self.status.paused == true)`,
  current: `(${hasCondition('Available', 'True')} && ${hasCondition('Reconciled', 'True')}) || ${prometheusLegacyCurrent}`,
  messages: [sayConditions(['Reconciled'], 'False'), sayStale(['Available', 'Reconciled']), sayConditions(['Available'], 'False'), sayConditions(['Available'], 'Degraded'), sayConditions(['Available'])],
});

/**
 * Gateway API (what Istio, Envoy Gateway, Cilium and others write): a Gateway is
 * current when Accepted and Programmed (v1alpha2: Scheduled and Ready) are True for
 * this generation; Accepted False, or Programmed False with reason Invalid, is failed;
 * Pending and an address not yet assigned are in progress.
 */
const gateway: CelHealthRule = {
  group: 'gateway.networking.k8s.io', kind: 'Gateway', source: source('gateway.networking.k8s.io', 'Gateway'),
  failed: `${hasCondition('Accepted', 'False', reasonNotIn(['Pending']))} || ${hasCondition('Programmed', 'False', reasonIn(['Invalid']))}`,
  current: `(${hasCondition('Accepted', 'True')} || ${hasCondition('Scheduled', 'True')}) && (${hasCondition('Programmed', 'True')} || ${hasCondition('Ready', 'True')})`,
  messages: [sayConditions(['Accepted', 'Programmed', 'Scheduled', 'Ready'], 'False'), sayStale(['Accepted', 'Programmed', 'Scheduled', 'Ready']), sayConditions(['Accepted', 'Programmed', 'Scheduled', 'Ready'], 'Unknown'), sayConditions(['Programmed', 'Ready'])],
};

/**
 * A route's status is per parent (status.parents[]): current when every parent it
 * names has accepted it and resolved its backends; failed when a parent refused it
 * (Accepted False: NotAllowedByListeners, NoMatchingParent, ...) or a backend does
 * not resolve (ResolvedRefs False: BackendNotFound, RefNotPermitted, ...).
 */
const parents = `(has(self.status) && has(self.status.parents) ? self.status.parents : [])`;
const parentConditions = `(has(p.conditions) ? p.conditions : [])`;
const parentName = `(has(p.parentRef.namespace) ? p.parentRef.namespace + '/' : '') + p.parentRef.name`;
const route = (kind: string): CelHealthRule => ({
  group: 'gateway.networking.k8s.io', kind, source: source('gateway.networking.k8s.io', kind),
  failed: `${parents}.exists(p, ${parentConditions}.exists(c, c.type in ['Accepted', 'ResolvedRefs'] && c.status == 'False' && ${fresh()} && !(has(c.reason) && c.reason == 'Pending')))`,
  current: `size(${parents}) > 0 && size(${parents}) >= (has(self.spec.parentRefs) ? size(self.spec.parentRefs) : 1)`
    + ` && ${parents}.all(p, ${parentConditions}.exists(c, c.type == 'Accepted' && c.status == 'True' && ${fresh()})`
    + ` && !${parentConditions}.exists(c, c.type == 'ResolvedRefs' && c.status != 'True'))`,
  message: `size(${parents}) == 0 ? 'no parent has reported on this route yet' : ${parents}.exists(p, ${parentConditions}.exists(c, !${fresh()}))`
    + ` ? 'waiting for its parents to report on generation ' + string(self.metadata.generation) : ${parents}.map(p, 'parent ' + ${parentName} + ': '`
    + ` + ${parentConditions}.map(c, c.type + ' ' + c.status + (has(c.reason) ? ' (' + c.reason + ')' : '')).join(', ')).join('; ')`,
});

/** Strimzi: Ready True, or NotReady True (failed unless its reason is Creating); Warning conditions are advice. */
const strimzi = (kind: string): CelHealthRule => ({
  group: 'kafka.strimzi.io', kind, source: source('kafka.strimzi.io', kind),
  failed: `${observed} && ${conditions}.exists(c, c.type == 'NotReady' && c.status == 'True' && !(has(c.reason) && c.reason == 'Creating'))`,
  suspended: `has(self.metadata.annotations) && 'strimzi.io/pause-reconciliation' in self.metadata.annotations && self.metadata.annotations['strimzi.io/pause-reconciliation'] == 'true'`,
  inProgress: `!${observed}`,
  current: `${observed} && ${conditions}.exists(c, c.type == 'Ready' && c.status == 'True')`,
  messages: [sayBehind, sayConditions(['NotReady'], 'True'), sayConditions(['Ready'])],
});

/**
 * CloudNativePG: status.phase in words. A switchover or failover is the operator
 * at work, not a failed spec (in progress); phases that wait for a person are failed.
 */
const cnpgFailedPhases = [
  'Unable to create required cluster objects', 'Cluster is unrecoverable and needs manual intervention',
  'Cluster cannot proceed to reconciliation due to an unknown plugin being required',
  'Cluster has incomplete or invalid image catalog', 'Waiting for user action',
  'Cluster cannot execute instance online upgrade due to missing architecture binary',
];
const cnpgCluster: CelHealthRule = {
  group: 'postgresql.cnpg.io', kind: 'Cluster', source: source('postgresql.cnpg.io', 'Cluster'),
  failed: phaseIn(cnpgFailedPhases),
  suspended: `(has(self.metadata.annotations) && 'cnpg.io/reconciliation' in self.metadata.annotations && self.metadata.annotations['cnpg.io/reconciliation'] == 'disabled')`
    + ` || ${conditions}.exists(c, c.type == 'cnpg.io/hibernation' && c.status == 'True')`,
  current: `${phaseIn(['Cluster in healthy state'])} && !${conditions}.exists(c, c.type == 'Ready' && c.status != 'True')`,
  messages: [
    sayIf(`${statusField('phaseReason')} != ''`, `${statusField('phase')} + ': ' + ${statusField('phaseReason')}`),
    sayIf(`${statusField('phase')} != ''`, statusField('phase')),
  ],
};

/** Velero: status.phase; a partly failed backup or restore is failed. */
const veleroFailed = ['Failed', 'PartiallyFailed', 'FailedValidation', 'FinalizingPartiallyFailed', 'WaitingForPluginOperationsPartiallyFailed'];
const velero = (kind: string, done: string): CelHealthRule => ({
  group: 'velero.io', kind, source: source('velero.io', kind),
  failed: phaseIn(veleroFailed),
  current: phaseIn([done]),
  messages: [
    sayIf(`${statusField('failureReason')} != ''`, `${statusField('phase')} + ': ' + ${statusField('failureReason')}`),
    sayIf(`has(self.status) && has(self.status.validationErrors)`, `${statusField('phase')} + ': ' + self.status.validationErrors.join('; ')`),
    sayIf(`${statusField('phase')} != ''`, statusField('phase')),
    sayIf('true', `'waiting for Velero to process it'`),
  ],
});

/** sealed-secrets: Synced True once the controller unsealed it into a Secret; Synced False (no key could decrypt it) is failed. */
const sealedSecret: CelHealthRule = {
  group: 'bitnami.com', kind: 'SealedSecret', source: source('bitnami.com', 'SealedSecret'),
  failed: hasCondition('Synced', 'False'),
  inProgress: `!${observed}`,
  current: `${hasCondition('Synced', 'True')} && ${observed}`,
  messages: [sayBehind, sayConditions(['Synced']), sayIf('true', `'waiting for the controller to unseal it'`)],
};

/** Berth's own Application (an app of apps): its kstatus conditions, with its health message. */
const application: CelHealthRule = {
  ...readyRule('berth.dev', 'Application', { readyFalseFails: false }),
  messages: [
    sayBehind, sayConditions(['Stalled'], 'True'),
    sayIf(`has(self.status) && has(self.status.health) && has(self.status.health.message)`, `self.status.health.status + ': ' + self.status.health.message`),
    sayConditions(['Ready']),
  ],
};

export const builtinCelRules: readonly CelHealthRule[] = [
  ...certManager,
  ...fluxRules,
  rollout,
  keda('ScaledObject'),
  keda('ScaledJob'),
  ...externalSecrets,
  crossplane,
  prometheusOperator('Prometheus'),
  prometheusOperator('Alertmanager'),
  prometheusOperator('ThanosRuler'),
  prometheusOperator('PrometheusAgent'),
  gateway,
  route('HTTPRoute'),
  route('GRPCRoute'),
  route('TLSRoute'),
  route('TCPRoute'),
  readyRule('serving.knative.dev', 'Service', { readyFalseFails: true }),
  readyRule('serving.knative.dev', 'Configuration', { readyFalseFails: true }),
  readyRule('serving.knative.dev', 'Route', { readyFalseFails: true }),
  strimzi('Kafka'),
  strimzi('KafkaTopic'),
  strimzi('KafkaUser'),
  strimzi('KafkaConnect'),
  cnpgCluster,
  velero('Backup', 'Completed'),
  velero('Restore', 'Completed'),
  velero('Schedule', 'Enabled'),
  sealedSecret,
  application,
];

/** The rule for a group/kind, the last match winning so later sources override earlier ones. */
export function findCelRule(rules: readonly CelHealthRule[], group: string, kind: string): CelHealthRule | undefined {
  for (let index = rules.length - 1; index >= 0; index -= 1) {
    const rule = rules[index];
    if (rule !== undefined && rule.group === group && rule.kind === kind) return rule;
  }
  return undefined;
}
