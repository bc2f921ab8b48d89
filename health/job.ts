/**
 * Health of batch/v1 Jobs and CronJobs. A Job is Healthy only once it has
 * completed; the job controller's terminal conditions decide, and since
 * Kubernetes 1.31 it announces the verdict early (FailureTarget,
 * SuccessCriteriaMet) while the last pods terminate.
 */
import type { KubeObject } from '../objects.ts';
import { arrayAt, booleanAt, conditionsOf, count, describeCondition, findCondition, isTrue, numberAt, timeAt } from './fields.ts';
import { type Health, HealthStatus } from './status.ts';

export function jobHealth(object: KubeObject): Health {
  const conditions = conditionsOf(object);
  const succeeded = numberAt(object, 'status', 'succeeded') ?? 0;
  const failed = findCondition(conditions, 'Failed');
  if (failed?.status === 'True') return { status: HealthStatus.Degraded, message: `job failed: ${describeCondition(failed)}` };
  if (isTrue(findCondition(conditions, 'Complete'))) {
    return { status: HealthStatus.Healthy, message: `job completed: ${count(succeeded, 'pod')} succeeded` };
  }
  const failureTarget = findCondition(conditions, 'FailureTarget');
  if (failureTarget?.status === 'True') {
    return { status: HealthStatus.Degraded, message: `job is failing, its pods are terminating: ${describeCondition(failureTarget)}` };
  }
  if (isTrue(findCondition(conditions, 'SuccessCriteriaMet'))) {
    return { status: HealthStatus.Progressing, message: 'job succeeded, waiting for its pods to terminate' };
  }
  if (booleanAt(object, 'spec', 'suspend')) return { status: HealthStatus.Suspended, message: 'job is suspended' };

  const active = numberAt(object, 'status', 'active') ?? 0;
  const completions = numberAt(object, 'spec', 'completions');
  const progress = completions === undefined ? `${succeeded} succeeded` : `${succeeded} of ${completions} completions`;
  if (active > 0) return { status: HealthStatus.Progressing, message: `job is running: ${count(active, 'active pod')}, ${progress}` };
  return { status: HealthStatus.Progressing, message: `waiting for job pods to start (${progress})` };
}

/**
 * When the object's spec or metadata was last changed by anyone (from
 * managedFields, whose `time` moves only when that manager changes something),
 * leaving out status writes by controllers.
 */
function lastSpecChange(object: KubeObject): number | undefined {
  const times = (object.metadata.managedFields ?? [])
    .filter((entry) => entry.subresource !== 'status')
    .map((entry) => timeAt(entry, 'time'))
    .filter((t) => t !== undefined);
  return times.length > 0 ? Math.max(...times) : undefined;
}

/**
 * The CronJob itself is Healthy while it schedules; it is Degraded when its last
 * scheduled run finished without success. A CronJob's status says that much: the
 * controller moves `lastSuccessfulTime` in the same write that removes a finished
 * job from `active`, so a schedule time newer than the last success, with nothing
 * active, is a run that did not succeed.
 */
export function cronJobHealth(object: KubeObject): Health {
  if (booleanAt(object, 'spec', 'suspend')) return { status: HealthStatus.Suspended, message: 'cron job is suspended' };
  const active = arrayAt(object, 'status', 'active').length;
  if (active > 0) return { status: HealthStatus.Healthy, message: `${count(active, 'job')} running` };

  const lastSchedule = timeAt(object, 'status', 'lastScheduleTime');
  const lastSuccess = timeAt(object, 'status', 'lastSuccessfulTime');
  if (lastSchedule === undefined) return { status: HealthStatus.Healthy, message: 'no job has been scheduled yet' };
  const scheduledAt = new Date(lastSchedule).toISOString().replace('.000Z', 'Z');
  if (lastSuccess === undefined || lastSuccess < lastSchedule) {
    // A failed run of the previous spec must not fail a rollout that may be its fix.
    const changed = lastSpecChange(object);
    if (changed !== undefined && changed > lastSchedule) {
      return { status: HealthStatus.Healthy, message: `the last job (scheduled at ${scheduledAt}) did not succeed, but the cron job has changed since` };
    }
    return { status: HealthStatus.Degraded, message: `the last job (scheduled at ${scheduledAt}) did not succeed` };
  }
  return { status: HealthStatus.Healthy, message: `the last job (scheduled at ${scheduledAt}) succeeded` };
}
