/**
 * Hooks: Jobs or Pods annotated `berth.dev/hook` that run in a phase of the sync
 * (PreSync, Sync, PostSync, SyncFail), with a delete policy
 * (`berth.dev/hook-delete-policy`). This module reads those annotations and tells
 * whether a live hook has finished; the engine runs them.
 */
import { annotations, type KubeObject, type ObjectRef } from '../objects.ts';

export const syncPhases = {
  PreSync: 'PreSync',
  Sync: 'Sync',
  PostSync: 'PostSync',
  SyncFail: 'SyncFail',
} as const;
export type SyncPhase = (typeof syncPhases)[keyof typeof syncPhases];
export const syncPhaseOrder: readonly SyncPhase[] = Object.values(syncPhases);

export const hookDeletePolicies = {
  /** Delete the previous run before creating the hook again (the default: a Job's template is immutable). */
  BeforeHookCreation: 'BeforeHookCreation',
  HookSucceeded: 'HookSucceeded',
  HookFailed: 'HookFailed',
} as const;
export type HookDeletePolicy = (typeof hookDeletePolicies)[keyof typeof hookDeletePolicies];

export interface HookSpec {
  phases: SyncPhase[];
  deletePolicies: HookDeletePolicy[];
}

function parseList<T extends string>(raw: string, allowed: readonly T[], what: string): T[] {
  const values = raw.split(',').map((part) => part.trim()).filter(Boolean);
  if (values.length === 0) throw new SyntaxError(`${what} is empty`);
  for (const value of values) {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new SyntaxError(`${what}: "${value}" is not one of ${allowed.join(', ')}`);
    }
  }
  return [...new Set(values as T[])];
}

function isHookKind(ref: ObjectRef): boolean {
  return (ref.group === 'batch' && ref.kind === 'Job') || (ref.group === '' && ref.kind === 'Pod');
}

/**
 * The hook spec of an object, or undefined when it is no hook. Throws a
 * SyntaxError (without the object's name; the plan adds it) for an unknown phase
 * or policy, a hook that is neither a Job nor a Pod, or one with no fixed name
 * (server-side apply needs a name; `generateName` cannot be applied).
 */
export function hookSpecOf(object: KubeObject, ref: ObjectRef): HookSpec | undefined {
  const phaseValue = object.metadata.annotations?.[annotations.hook];
  if (phaseValue === undefined) return undefined;
  const phases = parseList(phaseValue, syncPhaseOrder, annotations.hook);
  if (!isHookKind(ref)) throw new SyntaxError(`${annotations.hook}: only a Job or a Pod can be a hook`);
  if (ref.name === '') throw new SyntaxError(`${annotations.hook}: a hook needs metadata.name (generateName cannot be applied server-side)`);
  const policyValue = object.metadata.annotations?.[annotations.hookDeletePolicy];
  const deletePolicies = policyValue === undefined
    ? ['BeforeHookCreation' as const]
    : parseList(policyValue, Object.values(hookDeletePolicies), annotations.hookDeletePolicy);
  return { phases, deletePolicies };
}

export type HookOutcome =
  | { kind: 'running'; message: string }
  | { kind: 'succeeded'; message: string }
  | { kind: 'failed'; message: string };

interface Condition { type?: string; status?: string; reason?: string; message?: string }

/** Whether a live Job or Pod hook has finished, from its status. */
export function hookOutcome(live: KubeObject): HookOutcome {
  const status = (live.status ?? {}) as { phase?: string; message?: string; conditions?: Condition[] };
  if (live.kind === 'Pod') {
    if (status.phase === 'Succeeded') return { kind: 'succeeded', message: 'pod succeeded' };
    if (status.phase === 'Failed') return { kind: 'failed', message: `pod failed${status.message ? `: ${status.message}` : ''}` };
    return { kind: 'running', message: `pod is ${status.phase ?? 'Pending'}` };
  }
  const conditions = status.conditions ?? [];
  const isTrue = (type: string): Condition | undefined => conditions.find((c) => c.type === type && c.status === 'True');
  if (isTrue('Complete')) return { kind: 'succeeded', message: 'job completed' };
  const failed = isTrue('Failed');
  if (failed) return { kind: 'failed', message: `job failed: ${failed.reason ?? ''}${failed.message ? ` ${failed.message}` : ''}`.trim() };
  return { kind: 'running', message: 'job is running' };
}
