/**
 * `ignoreDifferences`: fields an Application declares are not drift, removed from both
 * sides before comparing. A pointer to a field that is not there is harmless.
 */
import type { KubeObject, ObjectRef } from '../objects.ts';
import type { IgnoreDifferenceRule } from './options.ts';
import { removeAtPointer } from './json-pointer.ts';
import { fieldsOwnedBy, removeFields } from './managed-fields.ts';

export function ruleMatches(rule: IgnoreDifferenceRule, ref: ObjectRef): boolean {
  const group = rule.group ?? '';
  return (group === '*' || group === ref.group)
    && (rule.kind === '*' || rule.kind === ref.kind)
    && (rule.namespace === undefined || rule.namespace === ref.namespace)
    && (rule.name === undefined || rule.name === ref.name);
}

/**
 * Removes, in place from each of `sides`, what the rules matching `ref` ignore. Field
 * ownership is read from `live` as it came from the cluster (normalization drops managedFields).
 */
export function applyIgnoreRules(
  ref: ObjectRef, rules: readonly IgnoreDifferenceRule[], live: KubeObject | undefined, sides: readonly KubeObject[],
): void {
  const matching = rules.filter((rule) => ruleMatches(rule, ref));
  const pointers = matching.flatMap((rule) => rule.jsonPointers ?? []);
  const managers = matching.flatMap((rule) => rule.managedFieldsManagers ?? []);
  const owned = managers.length > 0 ? fieldsOwnedBy(live, managers) : undefined;
  for (const side of sides) {
    for (const pointer of pointers) removeAtPointer(side, pointer);
    if (owned) removeFields(side, owned);
  }
}
