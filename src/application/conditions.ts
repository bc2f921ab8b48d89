/**
 * kstatus conditions on an Application (`Ready`, `Reconciling`, `Stalled`), as
 * kstatus and metav1.Condition define them: `lastTransitionTime` moves only when
 * the status flips, every condition carries the `observedGeneration` it speaks
 * for, and `Reconciling` / `Stalled` are present only while true ("abnormal-true"
 * polarity), so `kubectl wait --for=condition=Ready` and kstatus readers work.
 */
import { formatProblem, type ApplicationProblem } from './parse.ts';
import { conditionTypes, type Condition, type ConditionStatus, type ConditionType } from './status-schema.ts';

export const conditionReasons = {
  InvalidSpec: 'InvalidSpec',
  Progressing: 'Progressing',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
} as const;

export interface ConditionUpdate {
  type: ConditionType | (string & {});
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration: number | undefined;
}

/** Condition messages stay short enough for `kubectl describe` (the API allows 32768 bytes). */
const maxMessageLength = 1024;

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/** The conditions with `update` set; its `lastTransitionTime` is `now` unless the status stays what it was. */
export function setCondition(conditions: readonly Condition[] | undefined, update: ConditionUpdate, now: string): Condition[] {
  const previous = findCondition(conditions, update.type);
  const message = update.message.length > maxMessageLength ? `${update.message.slice(0, maxMessageLength - 3)}...` : update.message;
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message,
    lastTransitionTime: previous && previous.status === update.status ? previous.lastTransitionTime : now,
    ...(update.observedGeneration === undefined ? {} : { observedGeneration: update.observedGeneration }),
  };
  const others = (conditions ?? []).filter((condition) => condition.type !== update.type);
  return [...others, next];
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((condition) => condition.type !== type);
}

/**
 * The conditions of an Application whose spec is invalid: not Ready and Stalled
 * (no retry helps until someone edits it), both naming every bad field.
 */
export function invalidSpecConditions(
  conditions: readonly Condition[] | undefined,
  problems: readonly ApplicationProblem[],
  generation: number | undefined,
  now: string,
): Condition[] {
  const message = `invalid spec: ${problems.map(formatProblem).join('; ')}`;
  const reason = conditionReasons.InvalidSpec;
  let next = removeCondition(conditions, conditionTypes.Reconciling);
  next = setCondition(next, { type: conditionTypes.Ready, status: 'False', reason, message, observedGeneration: generation }, now);
  return setCondition(next, { type: conditionTypes.Stalled, status: 'True', reason, message, observedGeneration: generation }, now);
}
