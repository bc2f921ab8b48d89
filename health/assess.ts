/**
 * `assessHealth`: the health of one live object, dispatched on API group and kind
 * (so an `example.com` Deployment is not judged as an apps/v1 one). In order:
 * an object being deleted is Progressing; an override annotation decides
 * (overrides.ts); a CEL rule for its group/kind (the built-in library, the
 * cluster's, the Application's: rule-set.ts, last wins); the kind's own rule
 * here; a `*` CEL rule whose `match` holds (Crossplane composites); else the
 * kstatus rule, which gives no opinion (undefined) for an object that reports
 * no status it understands. The rules are handed in: health/ reads nothing.
 */
import { type KubeObject, parseApiVersion } from '../objects.ts';
import { apiServiceHealth, customResourceDefinitionHealth } from './api-extensions.ts';
import { configurationHealth, configurationKinds } from './configuration.ts';
import { daemonSetHealth } from './daemonset.ts';
import { deploymentHealth } from './deployment.ts';
import { assessWithCelRule, celRuleMatches } from './cel-rules.ts';
import { genericHealth } from './generic.ts';
import { horizontalPodAutoscalerHealth } from './horizontal-pod-autoscaler.ts';
import { cronJobHealth, jobHealth } from './job.ts';
import { ingressHealth, serviceHealth } from './networking.ts';
import { persistentVolumeClaimHealth, persistentVolumeHealth } from './persistent-volume.ts';
import { podHealth } from './pod.ts';
import { replicaSetHealth } from './replicaset.ts';
import { type Health, HealthStatus } from './status.ts';
import { overrideHealth } from './overrides.ts';
import { builtinHealthRules, ruleKey, type HealthRuleSet } from './rule-set.ts';
import { statefulSetHealth } from './statefulset.ts';

/** The health of one object, or undefined for "no opinion". */
export type HealthRule = (object: KubeObject) => Health | undefined;

const rules: ReadonlyMap<string, HealthRule> = new Map<string, HealthRule>([
  ['apps/Deployment', deploymentHealth],
  ['apps/StatefulSet', statefulSetHealth],
  ['apps/DaemonSet', daemonSetHealth],
  ['apps/ReplicaSet', replicaSetHealth],
  ['/Pod', podHealth],
  ['batch/Job', jobHealth],
  ['batch/CronJob', cronJobHealth],
  ['/PersistentVolumeClaim', persistentVolumeClaimHealth],
  ['/PersistentVolume', persistentVolumeHealth],
  ['/Service', serviceHealth],
  ['networking.k8s.io/Ingress', ingressHealth],
  ['autoscaling/HorizontalPodAutoscaler', horizontalPodAutoscalerHealth],
  ['apiregistration.k8s.io/APIService', apiServiceHealth],
  ['apiextensions.k8s.io/CustomResourceDefinition', customResourceDefinitionHealth],
  ...[...configurationKinds].map((key): [string, HealthRule] => [key, configurationHealth]),
]);

function ruledHealth(object: KubeObject, celRules: HealthRuleSet): Health | undefined {
  const { group } = parseApiVersion(object.apiVersion);
  const key = ruleKey(group, object.kind);
  const cel = celRules.exact.get(key);
  if (cel) return assessWithCelRule(cel, object);
  const own = rules.get(key);
  if (own) return own(object);
  for (const rule of celRules.wildcard) {
    const kindFits = (rule.group === '*' || rule.group === group) && (rule.kind === '*' || rule.kind === object.kind);
    if (kindFits && celRuleMatches(rule, object)) return assessWithCelRule(rule, object);
  }
  return genericHealth(object);
}

/**
 * An object on its way out is not what the application wants running, whatever
 * its status still says; finalizers are what usually holds it.
 */
function deletionHealth(object: KubeObject): Health | undefined {
  if (!object.metadata.deletionTimestamp) return undefined;
  const finalizers = object.metadata.finalizers ?? [];
  const waiting = finalizers.length > 0 ? `, waiting for finalizers: ${finalizers.join(', ')}` : '';
  return { status: HealthStatus.Progressing, message: `being deleted${waiting}` };
}

/** The health of one live object; undefined when Berth has no opinion on it (never a guessed Healthy). */
export function assessHealth(object: KubeObject, celRules: HealthRuleSet = builtinHealthRules): Health | undefined {
  return deletionHealth(object) ?? overrideHealth(object) ?? ruledHealth(object, celRules);
}
