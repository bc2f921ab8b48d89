/**
 * Health of a core/v1 Pod. A container stuck in a waiting state that will not fix
 * itself (a crash loop, an image that cannot be pulled, a bad container config) is
 * Degraded whatever the phase. Otherwise the restart policy decides what "done"
 * means: a long-running pod (Always) is Healthy once Ready; a run-to-completion pod
 * (OnFailure, Never) is Healthy only once it has Succeeded.
 */
import type { KubeObject } from '../objects.ts';
import { arrayAt, conditionsOf, describeCondition, findCondition, isTrue, numberAt, stringAt, valueAt } from './fields.ts';
import { type Health, HealthStatus } from './status.ts';

/** Waiting reasons the kubelet only leaves by a change to the pod or what it references. */
const failingWaitingReasons: ReadonlySet<string> = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreStartHookError',
  'PostStartHookError',
]);

interface ContainerState {
  name: string;
  restartCount: number;
  ready: boolean;
  waiting?: { reason: string; message?: string };
  terminated?: { exitCode: number; reason?: string; message?: string };
  lastTerminated?: { exitCode: number; reason?: string };
}

function toContainerState(value: unknown): ContainerState {
  const waitingReason = stringAt(value, 'state', 'waiting', 'reason');
  const exitCode = numberAt(value, 'state', 'terminated', 'exitCode');
  const lastExitCode = numberAt(value, 'lastState', 'terminated', 'exitCode');
  return {
    name: stringAt(value, 'name') ?? '(unnamed)',
    restartCount: numberAt(value, 'restartCount') ?? 0,
    ready: valueAt(value, 'ready') === true,
    waiting: waitingReason === undefined ? undefined : { reason: waitingReason, message: stringAt(value, 'state', 'waiting', 'message') },
    terminated: exitCode === undefined
      ? undefined
      : { exitCode, reason: stringAt(value, 'state', 'terminated', 'reason'), message: stringAt(value, 'state', 'terminated', 'message') },
    lastTerminated: lastExitCode === undefined ? undefined : { exitCode: lastExitCode, reason: stringAt(value, 'lastState', 'terminated', 'reason') },
  };
}

function containerStates(object: KubeObject): ContainerState[] {
  return [...arrayAt(object, 'status', 'initContainerStatuses'), ...arrayAt(object, 'status', 'containerStatuses')].map(toContainerState);
}

function exit(code: number, reason: string | undefined): string {
  return reason ? `exit code ${code} (${reason})` : `exit code ${code}`;
}

function describeWaiting(container: ContainerState): string {
  const { reason, message } = container.waiting ?? { reason: 'waiting' };
  if (reason === 'CrashLoopBackOff') {
    const last = container.lastTerminated ? `, last ${exit(container.lastTerminated.exitCode, container.lastTerminated.reason)}` : '';
    return `container ${container.name} is crash-looping (${container.restartCount} restarts${last})`;
  }
  return `container ${container.name} cannot start: ${reason}${message ? ` (${message})` : ''}`;
}

function describeFailure(object: KubeObject, containers: readonly ContainerState[]): string {
  const message = stringAt(object, 'status', 'message') ?? stringAt(object, 'status', 'reason');
  if (message) return `pod failed: ${message}`;
  const failed = containers.find((c) => c.terminated && c.terminated.exitCode !== 0);
  if (failed?.terminated) return `pod failed: container ${failed.name} exited with ${exit(failed.terminated.exitCode, failed.terminated.reason)}`;
  return 'pod failed';
}

function describePending(object: KubeObject, containers: readonly ContainerState[]): string {
  const scheduled = findCondition(conditionsOf(object), 'PodScheduled');
  if (scheduled?.status === 'False') return `waiting to be scheduled: ${describeCondition(scheduled)}`;
  const waiting = containers.find((c) => c.waiting);
  if (waiting?.waiting) return `waiting for container ${waiting.name} to start: ${waiting.waiting.reason}`;
  return 'waiting for containers to start';
}

function describeNotReady(object: KubeObject, containers: readonly ContainerState[]): string {
  const ready = findCondition(conditionsOf(object), 'Ready');
  const why = ready?.message ? `: ${ready.message}` : '';
  // A restart alone is not a verdict: a second crash turns into CrashLoopBackOff,
  // which is, and a single restart (an OOM kill, a slow liveness probe) may recover.
  const restarted = containers.find((c) => !c.ready && c.lastTerminated);
  const restart = restarted?.lastTerminated
    ? `; container ${restarted.name} restarted after ${exit(restarted.lastTerminated.exitCode, restarted.lastTerminated.reason)}`
    : '';
  return `waiting for pod to be ready${why}${restart}`;
}

export function podHealth(object: KubeObject): Health {
  const phase = stringAt(object, 'status', 'phase') ?? 'Pending';
  const restartPolicy = stringAt(object, 'spec', 'restartPolicy') ?? 'Always';
  const containers = containerStates(object);

  switch (phase) {
    case 'Succeeded':
      return { status: HealthStatus.Healthy, message: 'pod completed' };
    case 'Failed':
      return { status: HealthStatus.Degraded, message: describeFailure(object, containers) };
    case 'Unknown':
      return { status: HealthStatus.Unknown, message: 'the node stopped reporting the state of this pod' };
  }

  const stuck = containers.find((c) => c.waiting && failingWaitingReasons.has(c.waiting.reason));
  if (stuck) return { status: HealthStatus.Degraded, message: describeWaiting(stuck) };

  if (phase !== 'Running') return { status: HealthStatus.Progressing, message: describePending(object, containers) };

  if (restartPolicy !== 'Always') {
    return { status: HealthStatus.Progressing, message: `pod is running (restart policy ${restartPolicy}: done when it succeeds)` };
  }
  if (isTrue(findCondition(conditionsOf(object), 'Ready'))) {
    return { status: HealthStatus.Healthy, message: 'pod is running and ready' };
  }
  return { status: HealthStatus.Progressing, message: describeNotReady(object, containers) };
}
