/**
 * Health rules as data: CEL expressions over `self` (the live object), per
 * group/kind, in the shape of Flux's healthCheckExprs. Evaluation order is
 * failed → suspended → inProgress → current; none true means Progressing ("not yet
 * current"), as kstatus/Flux do. A rule that fails to compile or evaluate is
 * reported as Degraded with its source and never makes anything Healthy.
 *
 * CEL library: @marcbachmann/cel-js (zero dependencies, parse once then a plain
 * function call per object; measured here 4.6x faster than @bufbuild/cel over
 * 10,000 objects, see health/README.md). Pure: no I/O.
 */
import { parse } from '@marcbachmann/cel-js';
import { type MessageSource, sayReadyMade } from './rule-messages.ts';
import { type Health, HealthStatus } from './status.ts';

/** One rule as written by a user or the built-in library. */
export interface CelHealthRule {
  /** API group (`` for core); `*` with `match` for kinds whose group is the user's (Crossplane composites). */
  readonly group: string;
  /** Kind; `*` with `match` as for group. */
  readonly kind: string;
  /** For a `*` rule: which objects it is for (a CEL boolean over `self`); an error or false skips the rule. */
  readonly match?: string;
  readonly current?: string;
  readonly inProgress?: string;
  readonly failed?: string;
  /** True: what the object's owner asked for is a pause (Suspended, which a rollout counts as settled). */
  readonly suspended?: string;
  readonly message?: string;
  /**
   * Messages tried in order, the first that says anything winning (a string, or a
   * list whose first element is one); evaluated lazily, so a rule can name many
   * cases and pay for the first that applies. Wins over `message`.
   */
  readonly messages?: readonly MessageSource[];
  /** Where the rule came from, e.g. `Application team/web spec.healthChecks[0]`. */
  readonly source: string;
  /** Why the rule was refused when it was built (cel-limits.ts): every object of its kind is then Degraded with this. */
  readonly error?: string;
}

type Compiled = (context: Record<string, unknown>) => unknown;

/** Compiled expressions by source text: one parse per distinct expression. */
const compiledBySource = new Map<string, Compiled | Error>();

function compile(expression: string): Compiled | Error {
  const cached = compiledBySource.get(expression);
  if (cached !== undefined) return cached;
  let compiled: Compiled | Error;
  try {
    compiled = parse(expression) as Compiled;
  } catch (error) {
    compiled = error instanceof Error ? error : new Error(String(error));
  }
  compiledBySource.set(expression, compiled);
  return compiled;
}

/** One CEL boolean over `self`, compiled once per text: the value, or why it could not be had. */
export function evaluateCelPredicate(expression: string, self: unknown): boolean | Error {
  const compiled = compile(expression);
  if (compiled instanceof Error) return compiled;
  try {
    const value = compiled({ self });
    return typeof value === 'boolean' ? value : new Error(`expression returned ${typeof value}, not a boolean`);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Compile errors of a rule, each naming the field and the source; empty when it compiles. */
export function celRuleErrors(rule: CelHealthRule): string[] {
  const errors: string[] = rule.error === undefined ? [] : [`${rule.source}: ${rule.error}`];
  for (const field of ['match', 'failed', 'suspended', 'inProgress', 'current', 'message'] as const) {
    const expression = rule[field];
    if (expression === undefined) continue;
    const compiled = compile(expression);
    if (compiled instanceof Error) errors.push(`${rule.source} ${field}: ${compiled.message}`);
  }
  for (const [index, expression] of (rule.messages ?? []).entries()) {
    if (typeof expression !== 'string') continue;
    const compiled = compile(expression);
    if (compiled instanceof Error) errors.push(`${rule.source} messages[${index}]: ${compiled.message}`);
  }
  return errors;
}

type Predicate = 'match' | 'failed' | 'suspended' | 'inProgress' | 'current';

function evaluate(rule: CelHealthRule, field: Predicate, self: unknown): boolean | Error {
  const expression = rule[field];
  if (expression === undefined) return false;
  const compiled = compile(expression);
  if (compiled instanceof Error) return new Error(`${rule.source} ${field}: ${compiled.message}`);
  try {
    const value = compiled({ self });
    if (typeof value !== 'boolean') return new Error(`${rule.source} ${field}: expression returned ${typeof value}, not a boolean`);
    return value;
  } catch (error) {
    return new Error(`${rule.source} ${field}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** What one message expression says: a non-empty string, or the first of a list; '' for nothing (or an error). */
function sayOne(expression: string, self: unknown): string {
  const compiled = compile(expression);
  if (compiled instanceof Error) return '';
  try {
    const value = compiled({ self });
    const said: unknown = Array.isArray(value) ? value[0] : value;
    return typeof said === 'string' ? said : '';
  } catch {
    return '';
  }
}

function ruleMessage(rule: CelHealthRule, self: unknown, fallback: string): string {
  for (const expression of rule.messages ?? (rule.message === undefined ? [] : [rule.message])) {
    const said = typeof expression === 'string' ? sayOne(expression, self) : sayReadyMade(expression, self);
    if (said !== '') return said;
  }
  return fallback;
}

const phrases = { failed: 'failed', suspended: 'suspended', inProgress: 'in progress', current: 'current' } as const;

/** Whether a `*` rule is for this object: its `match` holds (an error, like false, leaves the object to other rules). */
export function celRuleMatches(rule: CelHealthRule, self: unknown): boolean {
  if (rule.match === undefined) return true;
  return evaluate(rule, 'match', self) === true;
}

/** The health of one object under one CEL rule. */
export function assessWithCelRule(rule: CelHealthRule, self: unknown): Health {
  if (rule.error !== undefined) return { status: HealthStatus.Degraded, message: `health rule error: ${rule.source}: ${rule.error}` };
  const order = [
    ['failed', HealthStatus.Degraded],
    ['suspended', HealthStatus.Suspended],
    ['inProgress', HealthStatus.Progressing],
    ['current', HealthStatus.Healthy],
  ] as const;
  for (const [field, status] of order) {
    const result = evaluate(rule, field, self);
    if (result instanceof Error) return { status: HealthStatus.Degraded, message: `health rule error: ${result.message}` };
    if (result) return { status, message: ruleMessage(rule, self, `${rule.kind} is ${phrases[field]}`) };
  }
  return { status: HealthStatus.Progressing, message: ruleMessage(rule, self, `${rule.kind} is not yet current`) };
}
