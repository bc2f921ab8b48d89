/**
 * Hooks: objects annotated as hooks that run in a phase of the sync (PreSync,
 * Sync, PostSync, SyncFail), with a delete policy. Berth's `berth.dev/hook` is
 * read first, then Argo CD's `argocd.argoproj.io/hook`, then Helm's
 * `helm.sh/hook` (mapped to phases as Argo CD maps them: pre-install/pre-upgrade
 * are PreSync, post-install/post-upgrade PostSync). This module reads those
 * annotations, decides what is not applied at all (Argo CD's Skip, Helm tests,
 * deletion and rollback hooks), and tells whether a live hook has finished; the
 * engine runs them.
 *
 * Promises: an object that is not applied is never a managed object, so its
 * health cannot gate a rollout; a hook with `generateName` (no fixed name) is
 * created under a fresh name each run.
 */
import { chosenAnnotation, type AnnotationSource, type KubeObject, type ObjectRef } from '../objects.ts';

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
  /** Set when the hook has no fixed name: each run creates one from this prefix. */
  generateName?: string;
}

/** Where an object goes in a sync: applied as a plain object, run as a hook, or not applied at all. */
export type HookPlacement =
  | { kind: 'object' }
  | { kind: 'hook'; spec: HookSpec }
  | { kind: 'not-applied'; message: string };

const notRun = {
  skip: 'Skip: not applied',
  deletion: 'runs when the application is deleted; Berth runs no deletion hooks',
  rollback: 'a Helm rollback hook; Berth rolls back by syncing the earlier revision, whose own hooks run',
  test: 'a Helm test; tests are not run by a sync and are not managed objects',
} as const;
type NotRun = { notRun: string };
type PhaseMapping = SyncPhase | NotRun;

/** Hook values by source. Berth's and Argo CD's unknown values are errors; Helm's are not applied (as Helm ignores them). */
const phaseMappings: Record<AnnotationSource, Readonly<Record<string, PhaseMapping>>> = {
  Berth: { PreSync: 'PreSync', Sync: 'Sync', PostSync: 'PostSync', SyncFail: 'SyncFail' },
  ArgoCD: {
    PreSync: 'PreSync', Sync: 'Sync', PostSync: 'PostSync', SyncFail: 'SyncFail',
    Skip: { notRun: notRun.skip }, PreDelete: { notRun: notRun.deletion }, PostDelete: { notRun: notRun.deletion },
  },
  Helm: {
    'pre-install': 'PreSync', 'pre-upgrade': 'PreSync', 'post-install': 'PostSync', 'post-upgrade': 'PostSync',
    'pre-delete': { notRun: notRun.deletion }, 'post-delete': { notRun: notRun.deletion },
    'pre-rollback': { notRun: notRun.rollback }, 'post-rollback': { notRun: notRun.rollback },
    test: { notRun: notRun.test }, 'test-success': { notRun: notRun.test }, 'test-failure': { notRun: notRun.test },
  },
};

const deletePolicyMappings: Record<AnnotationSource, Readonly<Record<string, HookDeletePolicy>>> = {
  Berth: hookDeletePolicies,
  ArgoCD: hookDeletePolicies,
  Helm: { 'before-hook-creation': 'BeforeHookCreation', 'hook-succeeded': 'HookSucceeded', 'hook-failed': 'HookFailed' },
};

function listOf(raw: string): string[] {
  return [...new Set(raw.split(',').map((part) => part.trim()).filter(Boolean))];
}

function unknownValue(key: string, value: string, allowed: Readonly<Record<string, unknown>>): SyntaxError {
  return new SyntaxError(`${key}: "${value}" is not one of ${Object.keys(allowed).join(', ')}`);
}

function isJobOrPod(ref: ObjectRef): boolean {
  return (ref.group === 'batch' && ref.kind === 'Job') || (ref.group === '' && ref.kind === 'Pod');
}

function deletePoliciesOf(object: KubeObject): HookDeletePolicy[] {
  const chosen = chosenAnnotation(object.metadata.annotations, 'hookDeletePolicy');
  if (chosen === undefined) return ['BeforeHookCreation'];
  const mapping = deletePolicyMappings[chosen.source];
  const policies: HookDeletePolicy[] = [];
  for (const value of listOf(chosen.value)) {
    const policy = mapping[value];
    if (policy !== undefined) policies.push(policy);
    // Helm ignores a delete policy it does not know; so does Berth for Helm's annotation.
    else if (chosen.source !== 'Helm') throw unknownValue(chosen.key, value, mapping);
  }
  if (policies.length === 0 && chosen.source !== 'Helm') throw new SyntaxError(`${chosen.key} is empty`);
  return policies.length === 0 ? ['BeforeHookCreation'] : [...new Set(policies)];
}

/**
 * Where an object goes in a sync. Throws a SyntaxError (without the object's
 * name; the plan adds it) for an unknown Berth or Argo CD phase or policy, a
 * `berth.dev/hook` that is neither a Job nor a Pod (Argo CD's and Helm's hooks
 * may be of any kind, as there), or an object with neither a name nor, for a
 * hook, a `generateName`.
 */
export function hookPlacementOf(object: KubeObject, ref: ObjectRef): HookPlacement {
  const chosen = chosenAnnotation(object.metadata.annotations, 'hook');
  if (chosen === undefined) return { kind: 'object' };
  const mapping = phaseMappings[chosen.source];
  const values = listOf(chosen.value);
  if (values.length === 0) throw new SyntaxError(`${chosen.key} is empty`);
  const phases = new Set<SyncPhase>();
  const reasons = new Set<string>();
  for (const value of values) {
    const mapped = mapping[value];
    if (mapped === undefined && chosen.source !== 'Helm') throw unknownValue(chosen.key, value, mapping);
    if (mapped === undefined) reasons.add(`"${value}" is not a Helm hook Berth knows`);
    else if (typeof mapped === 'string') phases.add(mapped);
    else reasons.add(mapped.notRun);
  }
  if (phases.size === 0) return { kind: 'not-applied', message: `${chosen.key}: ${chosen.value}: ${[...reasons].join('; ')}` };
  if (chosen.source === 'Berth' && !isJobOrPod(ref)) throw new SyntaxError(`${chosen.key}: only a Job or a Pod can be a hook`);
  const spec: HookSpec = { phases: syncPhaseOrder.filter((phase) => phases.has(phase)), deletePolicies: deletePoliciesOf(object) };
  if (ref.name === '') {
    const prefix = object.metadata.generateName;
    if (typeof prefix !== 'string' || prefix === '') throw new SyntaxError('metadata.name is missing (and a hook without one needs metadata.generateName)');
    spec.generateName = prefix;
  }
  return { kind: 'hook', spec };
}

/** The characters and length the API server uses for `generateName` suffixes (no vowels: no words). */
const suffixAlphabet = 'bcdfghjklmnpqrstvwxz2456789';
const suffixLength = 5;
const maxPrefixLength = 63 - suffixLength;

/** A name for one run of a `generateName` hook, as the API server would make it; `pick(n)` returns an integer below n. */
export function generatedName(prefix: string, pick: (n: number) => number): string {
  let suffix = '';
  for (let i = 0; i < suffixLength; i += 1) suffix += suffixAlphabet[pick(suffixAlphabet.length)] ?? 'x';
  return `${prefix.slice(0, maxPrefixLength)}${suffix}`;
}

export type HookOutcome =
  | { kind: 'running'; message: string }
  | { kind: 'succeeded'; message: string }
  | { kind: 'failed'; message: string };

interface Condition { type?: string; status?: string; reason?: string; message?: string }

/** Whether a live hook has finished, from its status; a hook of another kind (Argo CD's or Helm's) is done once it exists. */
export function hookOutcome(live: KubeObject): HookOutcome {
  if (live.kind !== 'Pod' && live.kind !== 'Job') return { kind: 'succeeded', message: `${live.kind} exists` };
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
