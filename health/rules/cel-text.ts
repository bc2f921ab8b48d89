/**
 * Pieces of CEL text the built-in rules are written from, so each rule reads as
 * its operator's semantics and not as a wall of `has()` guards. Every piece
 * tolerates a missing `status` (a freshly created object), so a rule reads it
 * as "not yet current", never as a rule error. Strings (and the ready-made
 * messages of health/rule-messages.ts) only; nothing runs here.
 */
import type { MessageSource } from '../rule-messages.ts';

/** The object's status conditions, or none. */
export const conditions = `(has(self.status) && has(self.status.conditions) ? self.status.conditions : [])`;

/** A condition written for the current spec: metav1.Condition's own observedGeneration, when it carries one. */
export const fresh = (c = 'c'): string =>
  `(!has(${c}.observedGeneration) || !has(self.metadata.generation) || ${c}.observedGeneration >= self.metadata.generation)`;

/** The controller has seen the current spec (status.observedGeneration, when written). */
export const observed = `(!has(self.status) || !has(self.status.observedGeneration) || !has(self.metadata.generation) || self.status.observedGeneration >= self.metadata.generation)`;

const quoteList = (values: readonly string[]): string => `[${values.map((v) => `'${v}'`).join(', ')}]`;

/** A condition of `type` with `status` (and `extra`, CEL over `c`), written for the current spec. */
export function hasCondition(type: string, status: string, extra = ''): string {
  return `${conditions}.exists(c, c.type == '${type}' && c.status == '${status}' && ${fresh()}${extra})`;
}

/** `extra` for hasCondition: the condition's reason is (or is not) one of `reasons`. */
export const reasonIn = (reasons: readonly string[]): string => ` && has(c.reason) && c.reason in ${quoteList(reasons)}`;
export const reasonNotIn = (reasons: readonly string[]): string => ` && !(has(c.reason) && c.reason in ${quoteList(reasons)})`;

/** A string field of status, or ''. */
export const statusField = (field: string): string => `(has(self.status) && has(self.status.${field}) ? string(self.status.${field}) : '')`;

/** status.phase is one of `phases`. */
export const phaseIn = (phases: readonly string[]): string => `${statusField('phase')} in ${quoteList(phases)}`;


/** What the first condition of `types` (and `status`) says, as `<type> <status>: <message>` (health/rule-messages.ts). */
export function sayConditions(types: readonly string[], status?: string): MessageSource {
  return status === undefined ? { conditions: types } : { conditions: types, status };
}

/** A CEL list of one string when `condition` holds. */
export const sayIf = (condition: string, text: string): string => `(${condition} ? [${text}] : [])`;

/** The message every rule starts with when the controller is behind the spec. */
export const sayBehind: MessageSource = { behind: true };

/** ... or when a condition of `types` was written for an older generation. */
export const sayStale = (types: readonly string[]): MessageSource => ({ stale: types });
