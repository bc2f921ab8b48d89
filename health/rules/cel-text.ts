/**
 * Pieces of CEL text the built-in rules are written from, so each rule reads as
 * its operator's semantics and not as a wall of `has()` guards. Every piece
 * tolerates a missing `status` (a freshly created object), so a rule reads it
 * as "not yet current", never as a rule error. Strings only; nothing runs here.
 */

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

/** What a condition says: `: <message>`, else `: <reason>`, else nothing. */
const conditionText = `(has(c.message) && c.message != '' ? ': ' + c.message : (has(c.reason) && c.reason != '' ? ': ' + c.reason : ''))`;

/** A CEL list of strings: what the conditions of `types` say, as `<type> <status>: <message>`. */
export function sayConditions(types: readonly string[], status?: string): string {
  const byStatus = status === undefined ? '' : ` && c.status == '${status}'`;
  return `${conditions}.filter(c, c.type in ${quoteList(types)}${byStatus}).map(c, c.type + ' ' + c.status + ${conditionText})`;
}

/** A CEL list of one string when `condition` holds. */
export const sayIf = (condition: string, text: string): string => `(${condition} ? [${text}] : [])`;

/** The first of several CEL lists of strings that says anything, as the rule's message. */
export function firstSaid(...lists: readonly string[]): string {
  const all = `(${lists.join(' + ')})`;
  return `size(${all}) > 0 ? ${all}[0] : ''`;
}

/** The message every rule starts with when the controller is behind the spec. */
export const sayBehind = sayIf(`!${observed}`, `'waiting for the controller to observe generation ' + string(self.metadata.generation)`);

/** ... or when a condition of `types` was written for an older generation. */
export const sayStale = (types: readonly string[]): string => sayIf(
  `${conditions}.exists(c, c.type in ${quoteList(types)} && !${fresh()})`,
  `'waiting for the controller to report on generation ' + string(self.metadata.generation)`,
);
