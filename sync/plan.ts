/**
 * The sync plan: every desired object placed by phase (hooks), wave
 * (`berth.dev/sync-wave`, else Argo CD's `argocd.argoproj.io/sync-wave`, else
 * Helm's `helm.sh/hook-weight`), stage and kind order, then name; cut into groups
 * of one (phase, wave, stage) that the engine applies one after another, the
 * objects of a group in parallel. Objects that are not applied at all (Argo CD's
 * Skip, Helm tests) are listed apart, each with why.
 *
 * Promises: the plan is a pure, deterministic function of the objects (input
 * order does not matter); a Namespace comes before every object in it and a CRD
 * before every custom resource of it, even when their waves say otherwise (the
 * Namespace or CRD is moved up, never the dependent moved down); invalid
 * annotations are reported together, each line naming its object.
 */
import { chosenAnnotation, formatRef, refKey, refOf, type KubeObject, type ObjectRef } from '../objects.ts';
import { UnrecoverableSyncError } from './errors.ts';
import { hookPlacementOf, syncPhaseOrder, type HookSpec, type SyncPhase } from './hooks.ts';
import { isCustomResourceDefinition, isNamespace, kindRank, stageOf, stageOrder, type Stage } from './kind-order.ts';
import { objectSyncOptions, type ObjectSyncOptions } from './options.ts';

export interface PlanStep {
  object: KubeObject;
  ref: ObjectRef;
  phase: SyncPhase;
  wave: number;
  stage: Stage;
  /** Set for hooks; a hook in several phases has one step per phase. */
  hook: HookSpec | undefined;
  options: ObjectSyncOptions;
  /** Set when the step was moved before its own (phase, wave) for an object that needs it. */
  movedUpFor: string | undefined;
}

export interface PlanGroup {
  phase: SyncPhase;
  wave: number;
  stage: Stage;
  steps: PlanStep[];
}

export interface SyncPlan {
  /** In order of application, SyncFail groups last (they run only when the sync failed). */
  groups: PlanGroup[];
  /** Objects of the render that are neither applied nor managed, with why (Skip, a Helm test, a deletion hook). */
  notApplied: { ref: ObjectRef; message: string }[];
}

/** Read the wave (`berth.dev/sync-wave`, Argo CD's, or Helm's hook weight): an integer, 0 when absent. */
export function waveOf(object: KubeObject): number {
  const chosen = chosenAnnotation(object.metadata.annotations, 'wave');
  if (chosen === undefined) return 0;
  const value = chosen.value.trim();
  const wave = Number(value);
  if (!/^[+-]?\d+$/.test(value) || !Number.isSafeInteger(wave)) {
    throw new SyntaxError(`${chosen.key} must be an integer, got "${chosen.value}"`);
  }
  return wave;
}

function comparePosition(a: { phase: SyncPhase; wave: number }, b: { phase: SyncPhase; wave: number }): number {
  return syncPhaseOrder.indexOf(a.phase) - syncPhaseOrder.indexOf(b.phase) || a.wave - b.wave;
}

/** The total order of the plan; also the (reversed) order of prune. */
export function compareSteps(a: Omit<PlanStep, 'object' | 'hook' | 'options' | 'movedUpFor'>, b: typeof a): number {
  return comparePosition(a, b)
    || stageOrder.indexOf(a.stage) - stageOrder.indexOf(b.stage)
    || kindRank(a.ref.kind) - kindRank(b.ref.kind)
    || compareText(a.ref.kind, b.ref.kind)
    || compareText(a.ref.group, b.ref.group)
    || compareText(a.ref.namespace, b.ref.namespace)
    || compareText(a.ref.name, b.ref.name);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function basicProblem(object: KubeObject): string | undefined {
  if (typeof object.apiVersion !== 'string' || object.apiVersion === '') return 'apiVersion is missing';
  if (typeof object.kind !== 'string' || object.kind === '') return 'kind is missing';
  return undefined;
}

function stepsOf(object: KubeObject, problems: string[], notApplied: SyncPlan['notApplied']): PlanStep[] {
  let ref = refOf(object);
  const basic = basicProblem(object);
  if (basic !== undefined) {
    problems.push(`${formatRef(ref)}: ${basic}`);
    return [];
  }
  try {
    const placement = hookPlacementOf(object, ref);
    if (placement.kind === 'not-applied') {
      if (ref.name === '') ref = { ...ref, name: object.metadata.generateName ?? '' };
      notApplied.push({ ref, message: `${formatRef(ref)}: not applied: ${placement.message}` });
      return [];
    }
    if (placement.kind === 'object' && ref.name === '') throw new SyntaxError('metadata.name is missing (metadata.generateName works for hooks only)');
    const hook = placement.kind === 'hook' ? placement.spec : undefined;
    // A generateName hook is planned under its prefix; each run gets its own name (sync/apply.ts).
    if (hook?.generateName !== undefined) ref = { ...ref, name: hook.generateName };
    const wave = waveOf(object);
    const options = objectSyncOptions(object);
    const stage = stageOf(ref);
    return (hook?.phases ?? ['Sync' as const]).map((phase) => ({ object, ref, phase, wave, stage, hook, options, movedUpFor: undefined }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    problems.push(message.startsWith(formatRef(ref)) ? message : `${formatRef(ref)}: ${message}`);
    return [];
  }
}

/** The (group, kind) that a CRD defines, as a key. */
function definedKindKey(crd: KubeObject): string | undefined {
  const spec = crd.spec as { group?: unknown; names?: { kind?: unknown } } | undefined;
  return typeof spec?.group === 'string' && typeof spec.names?.kind === 'string' ? `${spec.group}/${spec.names.kind}` : undefined;
}

/** Move each Namespace and CRD to the earliest (phase, wave) of the objects that need it. */
function moveDefinitionsUp(steps: PlanStep[]): void {
  const earliest = new Map<string, PlanStep>();
  const note = (key: string, step: PlanStep): void => {
    const current = earliest.get(key);
    if (current === undefined || comparePosition(step, current) < 0) earliest.set(key, step);
  };
  for (const step of steps) {
    if (step.ref.namespace !== '') note(`ns/${step.ref.namespace}`, step);
    if (!isNamespace(step.ref) && !isCustomResourceDefinition(step.ref)) note(`kind/${step.ref.group}/${step.ref.kind}`, step);
  }
  for (const step of steps) {
    let key: string | undefined;
    if (isNamespace(step.ref)) key = `ns/${step.ref.name}`;
    else if (isCustomResourceDefinition(step.ref)) {
      const defined = definedKindKey(step.object);
      key = defined === undefined ? undefined : `kind/${defined}`;
    }
    const needer = key === undefined ? undefined : earliest.get(key);
    if (needer !== undefined && comparePosition(needer, step) < 0) {
      step.phase = needer.phase;
      step.wave = needer.wave;
      step.movedUpFor = formatRef(needer.ref);
    }
  }
}

/**
 * Plan the sync of `objects` (already given their namespaces). Throws
 * `UnrecoverableSyncError` (InvalidManifests) listing every invalid object.
 */
export function planSync(objects: readonly KubeObject[]): SyncPlan {
  const problems: string[] = [];
  const notApplied: SyncPlan['notApplied'] = [];
  const steps = objects.flatMap((object) => stepsOf(object, problems, notApplied));
  const seen = new Set<string>();
  for (const step of steps) {
    const key = `${step.phase}/${refKey(step.ref)}`;
    if (seen.has(key)) problems.push(`${formatRef(step.ref)}: defined more than once`);
    seen.add(key);
  }
  if (problems.length > 0) throw new UnrecoverableSyncError('InvalidManifests', [...new Set(problems)].sort());
  moveDefinitionsUp(steps);
  steps.sort(compareSteps);
  const groups: PlanGroup[] = [];
  for (const step of steps) {
    const last = groups.at(-1);
    if (last?.phase === step.phase && last.wave === step.wave && last.stage === step.stage) last.steps.push(step);
    else groups.push({ phase: step.phase, wave: step.wave, stage: step.stage, steps: [step] });
  }
  notApplied.sort((a, b) => compareText(a.message, b.message));
  return { groups, notApplied };
}

/** The steps of a plan in order, as a flat list. */
export function planSteps(plan: SyncPlan): PlanStep[] {
  return plan.groups.flatMap((group) => group.steps);
}
