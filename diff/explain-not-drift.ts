/**
 * "Why is this field not drift?", answered for one field of one object, as a
 * person asks it in the console. It reuses the pieces of the one drift rule
 * (diff-object.ts) rather than restating them: the stored patch says what is
 * drift, `normalize` what is never compared, `applyIgnoreRules` with each
 * matching rule on its own says which rule removes the field, and the live
 * object's managedFields (parseFieldsV1) say who owns it. Since Berth compares
 * against a server-side apply dry run as field manager `berth`, a field that
 * only other managers own is kept as it is by a sync: not drift.
 *
 * Pure. The answer's order follows the drift rule's: a field in the patch is
 * drift whatever else holds; then normalization, then ignore rules, then
 * ownership.
 */
import { fieldManager, type KubeObject, type ObjectRef } from '../objects.ts';
import { applyIgnoreRules, ruleMatches } from './ignore-rules.ts';
import type { PatchOperation } from './json-patch.ts';
import { parsePointer } from './json-pointer.ts';
import { deepEqual, isPlainObject } from './json-value.ts';
import { parseFieldsV1, type FieldSet } from './managed-fields.ts';
import { normalize } from './normalize.ts';
import type { IgnoreDifferenceRule } from './options.ts';

export const notDriftVerdicts = {
  /** In the patch: it is drift. */
  drift: 'drift',
  /** An ignoreDifferences rule's jsonPointers cover it. */
  ignoredByRule: 'ignored-by-rule',
  /** An ignoreDifferences rule's managedFieldsManagers own it. */
  ignoredManager: 'ignored-manager',
  /** Other field managers own it, Berth does not: a sync keeps it. */
  ownedByOtherManager: 'owned-by-other-manager',
  /** No manager claims it: the API server defaulted it (or it was written without a manager). */
  defaulted: 'defaulted',
  /** Never compared (status, resourceVersion, uid, managedFields, ...). */
  normalized: 'normalized',
  /** Berth sets it, and live holds the value Git wants. */
  equal: 'equal',
  /** The live object has no such field (or there is no live object). */
  absent: 'absent',
} as const;
export type NotDriftVerdict = (typeof notDriftVerdicts)[keyof typeof notDriftVerdicts];

export interface ExplainNotDriftInput {
  ref: ObjectRef;
  /** RFC 6901, into the live object. */
  pointer: string;
  /** As the cluster has it, managedFields included. */
  live: KubeObject | undefined;
  rules: readonly IgnoreDifferenceRule[];
  /** The object's patch from the drift report (live to predicted). */
  patch: readonly PatchOperation[];
}

export interface FieldOwner {
  manager: string;
  operation?: string;
}

export interface NotDriftExplanation {
  pointer: string;
  verdict: NotDriftVerdict;
  message: string;
  rule: (IgnoreDifferenceRule & { index: number }) | null;
  managers: FieldOwner[];
}

/** Whether two pointers name the same member or one lies inside the other. */
function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`) || a === '' || b === '';
}

function valueAt(document: unknown, tokens: readonly string[]): { found: boolean; value: unknown } {
  let current: unknown = document;
  for (const token of tokens) {
    if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(token) && Number(token) < current.length) current = current[Number(token)];
    else if (isPlainObject(current) && Object.hasOwn(current, token)) current = current[token];
    else return { found: false, value: undefined };
  }
  return { found: true, value: current };
}

function isLeaf(set: FieldSet): boolean {
  return set.fields.size === 0 && set.keyed.length === 0 && set.values.length === 0 && set.indices.size === 0;
}

/** Whether `set` owns the member at `tokens` of `value`, or something inside it, or an owned leaf holding it. */
function owns(set: FieldSet, value: unknown, tokens: readonly string[], depth = 0): boolean {
  if (tokens.length === 0) return depth > 0 || !isLeaf(set);
  // An owned leaf (`f:selector: {}`) is the whole member, everything inside it included.
  if (depth > 0 && isLeaf(set)) return true;
  const [token = '', ...rest] = tokens;
  if (Array.isArray(value)) {
    const index = Number(token);
    const item: unknown = value[index];
    const keyed = set.keyed.find(({ key }) => isPlainObject(item) && Object.entries(key).every(([k, v]) => deepEqual(item[k], v)));
    const child = keyed?.set ?? set.values.find((entry) => deepEqual(entry.value, item))?.set ?? set.indices.get(index);
    return child !== undefined && owns(child, item, rest, depth + 1);
  }
  const child = set.fields.get(token);
  return child !== undefined && owns(child, isPlainObject(value) ? value[token] : undefined, rest, depth + 1);
}

export function fieldOwners(live: KubeObject, pointer: string): FieldOwner[] {
  const tokens = parsePointer(pointer);
  const owners: FieldOwner[] = [];
  for (const entry of live.metadata.managedFields ?? []) {
    if (entry.manager === undefined) continue;
    let set: FieldSet;
    try {
      set = parseFieldsV1(entry.fieldsV1);
    } catch {
      continue;
    }
    if (owns(set, live, tokens) && !owners.some((owner) => owner.manager === entry.manager)) {
      owners.push(entry.operation === undefined ? { manager: entry.manager } : { manager: entry.manager, operation: entry.operation });
    }
  }
  return owners;
}

/** Whether applying `rule` alone (the drift rule's own code) removes the field. */
function ruleRemoves(ref: ObjectRef, rule: IgnoreDifferenceRule, live: KubeObject, tokens: readonly string[]): boolean {
  const side = normalize(live);
  if (!valueAt(side, tokens).found) return false;
  applyIgnoreRules(ref, [rule], live, [side]);
  return !valueAt(side, tokens).found;
}

const names = (owners: readonly FieldOwner[]): string => owners.map((owner) => `"${owner.manager}"${owner.operation ? ` (${owner.operation})` : ''}`).join(', ');

export function explainNotDrift(input: ExplainNotDriftInput): NotDriftExplanation {
  const { ref, pointer, live, rules, patch } = input;
  const tokens = parsePointer(pointer);
  const answer = (verdict: NotDriftVerdict, message: string, extra: Partial<Pick<NotDriftExplanation, 'rule' | 'managers'>> = {}): NotDriftExplanation => ({
    pointer, verdict, message, rule: extra.rule ?? null, managers: extra.managers ?? [],
  });
  const changing = patch.find((operation) => overlaps(operation.path, pointer) || ('from' in operation && typeof operation.from === 'string' && overlaps(operation.from, pointer)));
  if (changing) return answer('drift', `${pointer} is drift: a sync would ${changing.op} ${changing.path}`);
  if (!live) return answer('absent', `${ref.kind}/${ref.name} is not in the cluster, so ${pointer} has no live value`);
  if (!valueAt(live, tokens).found) return answer('absent', `the live ${ref.kind} has no ${pointer}`);
  if (!valueAt(normalize(live), tokens).found) {
    return answer('normalized', `${pointer} is never compared: Berth leaves out status and what the API server keeps for itself (resourceVersion, uid, generation, managedFields, the last-applied annotation) before comparing`);
  }
  const managers = fieldOwners(live, pointer);
  for (const [index, rule] of rules.entries()) {
    if (!ruleMatches(rule, ref)) continue;
    const { managedFieldsManagers, jsonPointers, ...target } = rule;
    if (jsonPointers && ruleRemoves(ref, { ...target, jsonPointers }, live, tokens)) {
      return answer('ignored-by-rule', `${pointer} is ignored by ignoreDifferences[${index}] (jsonPointers ${jsonPointers.join(', ')})`, { rule: { ...rule, index }, managers });
    }
    if (managedFieldsManagers && ruleRemoves(ref, { ...target, managedFieldsManagers }, live, tokens)) {
      return answer('ignored-manager', `${pointer} is ignored by ignoreDifferences[${index}]: it is owned by ${managedFieldsManagers.map((name) => `"${name}"`).join(', ')}, whose fields that rule leaves out`, { rule: { ...rule, index }, managers });
    }
  }
  if (managers.some((owner) => owner.manager === fieldManager)) {
    return answer('equal', `Berth sets ${pointer} and the cluster holds the value Git asks for`, { managers });
  }
  if (managers.length > 0) {
    return answer('owned-by-other-manager', `${pointer} is owned by field manager ${names(managers)}, not by Berth: Git does not set it, a sync keeps its value, so it is not drift`, { managers });
  }
  return answer('defaulted', `no field manager claims ${pointer}: the API server defaulted it, or it was written without a field manager; Git does not set it, so a sync keeps it`);
}
