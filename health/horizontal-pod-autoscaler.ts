/**
 * Health of an autoscaling HorizontalPodAutoscaler (v2, and v1 which carries the
 * same conditions in an annotation). Degraded only for failures that a new metric
 * sample will not cure: the target cannot be read or scaled, the selector or a
 * metric source is invalid, or the target's pods request no resources. Metrics that
 * are merely not there yet are normal for a minute after pods start, and calling
 * them Degraded would roll back good revisions (argoproj/argo-cd#6287).
 */
import type { KubeObject } from '../objects.ts';
import {
  type Condition, conditionsOf, describeCondition, findCondition, isGenerationBehind, numberAt, toCondition,
} from './fields.ts';
import { type Health, HealthStatus } from './status.ts';

/** autoscaling/v1 has no status.conditions; the API server serves them in this annotation. */
const v1ConditionsAnnotation = 'autoscaling.alpha.kubernetes.io/conditions';

function hpaConditions(object: KubeObject): Condition[] {
  const fromStatus = conditionsOf(object);
  const annotation = object.metadata.annotations?.[v1ConditionsAnnotation];
  if (fromStatus.length > 0 || annotation === undefined) return fromStatus;
  try {
    const parsed: unknown = JSON.parse(annotation);
    return Array.isArray(parsed) ? parsed.map(toCondition).filter((c) => c !== undefined) : [];
  } catch {
    return [];
  }
}

/** FailedGetResourceMetric, FailedGetPodsMetric, FailedGetExternalMetric, ... */
function isMetricFetchFailure(condition: Condition): boolean {
  return /^FailedGet\w*Metric$/.test(condition.reason ?? '');
}

/** The metrics pipeline cannot compute utilization without requests; no later sample fixes that. */
function isMissingRequest(condition: Condition): boolean {
  return /missing request for/.test(condition.message ?? '');
}

export function horizontalPodAutoscalerHealth(object: KubeObject): Health {
  if (isGenerationBehind(object) && numberAt(object, 'status', 'observedGeneration') !== undefined) {
    return { status: HealthStatus.Progressing, message: 'waiting for the autoscaler to observe the latest spec' };
  }
  const conditions = hpaConditions(object);
  const ableToScale = findCondition(conditions, 'AbleToScale');
  const scalingActive = findCondition(conditions, 'ScalingActive');
  const scalingLimited = findCondition(conditions, 'ScalingLimited');

  if (ableToScale?.status === 'False') {
    return { status: HealthStatus.Degraded, message: `cannot scale its target: ${describeCondition(ableToScale)}` };
  }
  if (scalingActive?.status === 'False') {
    if (scalingActive.reason === 'ScalingDisabled') {
      return { status: HealthStatus.Suspended, message: `scaling is disabled: ${describeCondition(scalingActive)}` };
    }
    if (isMetricFetchFailure(scalingActive) && !isMissingRequest(scalingActive)) {
      return { status: HealthStatus.Progressing, message: `waiting for metrics: ${describeCondition(scalingActive)}` };
    }
    return { status: HealthStatus.Degraded, message: `cannot compute a scale: ${describeCondition(scalingActive)}` };
  }
  if (ableToScale?.status !== 'True' || scalingActive?.status !== 'True') {
    return { status: HealthStatus.Progressing, message: 'waiting for the autoscaler to compute a first scale' };
  }

  const current = numberAt(object, 'status', 'currentReplicas') ?? 0;
  const desired = numberAt(object, 'status', 'desiredReplicas') ?? current;
  const replicas = current === desired ? `${current} replicas` : `${current} replicas, scaling to ${desired}`;
  const limited = scalingLimited?.status === 'True' ? `; ${describeCondition(scalingLimited)}` : '';
  return { status: HealthStatus.Healthy, message: `${replicas}${limited}` };
}
