/**
 * Health overrides per object, by annotation (the object's author knows what
 * "done" means for it better than any rule):
 * - `berth.dev/health: ignore` (or the older `berth.dev/health-ignore: "true"`):
 *   left out of the Application's health and of the rollout;
 * - `berth.dev/health-condition: <Type>`: Healthy when that status condition is
 *   True for the current generation, Progressing (waiting) until then.
 *
 * Annotation values come from Git and are hostile: a value that is not one of
 * these is Degraded with a message naming the object, the annotation and what it
 * accepts (never ignored silently, never Healthy). Pure.
 */
import { annotations, formatRef, type KubeObject, refOf } from '../objects.ts';
import { conditionsOf, describeCondition, findCondition, numberAt } from './fields.ts';
import { type Health, HealthStatus } from './status.ts';

/** metav1.Condition's type: an optional DNS-subdomain prefix and a name (apimachinery's validation, 316 characters at most). */
const conditionTypePattern = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const conditionTypeMaxLength = 316;
const healthValues = ['ignore'] as const;

/** A hostile value, shortened and quoted so a message stays one readable line. */
function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

function invalid(object: KubeObject, key: string, value: string, accepted: string): Health {
  return { status: HealthStatus.Degraded, message: `${formatRef(refOf(object))}: annotation ${key}: ${quote(value)} is not ${accepted}` };
}

export function isHealthIgnored(object: KubeObject): boolean {
  const values = object.metadata.annotations;
  return values?.[annotations.healthIgnore] === 'true' || values?.[annotations.health] === 'ignore';
}

function conditionHealth(object: KubeObject, type: string): Health {
  const generation = object.metadata.generation;
  const observed = numberAt(object, 'status', 'observedGeneration');
  if (generation !== undefined && observed !== undefined && observed < generation) {
    return { status: HealthStatus.Progressing, message: `waiting for the controller to observe generation ${generation} (it has seen ${observed})` };
  }
  const condition = findCondition(conditionsOf(object), type);
  if (!condition) return { status: HealthStatus.Progressing, message: `waiting for condition ${type} (not reported yet)` };
  if (generation !== undefined && condition.observedGeneration !== undefined && condition.observedGeneration < generation) {
    return { status: HealthStatus.Progressing, message: `waiting for condition ${type} of generation ${generation}` };
  }
  if (condition.status === 'True') return { status: HealthStatus.Healthy, message: `condition ${type} is True: ${describeCondition(condition)}` };
  return { status: HealthStatus.Progressing, message: `waiting for condition ${type} (${condition.status}: ${describeCondition(condition)})` };
}

/**
 * The health an object's annotations decide, or undefined when they decide
 * nothing (no override: its kind's rule applies). An ignored object is the
 * caller's to leave out (isHealthIgnored); here it is undefined.
 */
export function overrideHealth(object: KubeObject): Health | undefined {
  const values = object.metadata.annotations;
  if (!values) return undefined;
  const health = values[annotations.health];
  if (health !== undefined && !(healthValues as readonly string[]).includes(health)) {
    return invalid(object, annotations.health, health, `one of: ${healthValues.join(', ')}`);
  }
  const type = values[annotations.healthCondition];
  if (type === undefined) return undefined;
  if (type.length > conditionTypeMaxLength || !conditionTypePattern.test(type)) {
    return invalid(object, annotations.healthCondition, type, 'a condition type such as Ready or example.com/Available');
  }
  return conditionHealth(object, type);
}
