/**
 * The CEL health rules that apply, in layers: the built-in library, then the
 * cluster's rules (HealthRule objects), then the Application's
 * `spec.healthChecks`. A later layer's rule for a group/kind replaces an earlier
 * one's (last wins), so an operator can correct the library and a team its own
 * kinds. Built once per set of layers; a lookup is one map read. Pure.
 */
import type { CelHealthRule } from './cel-rules.ts';
import { builtinCelRules } from './rules/builtin.ts';

export interface HealthRuleSet {
  /** Rules by `group/kind`, the last layer's winning. */
  readonly exact: ReadonlyMap<string, CelHealthRule>;
  /** Rules for `*` with a `match` guard, later layers first (they win when several match). */
  readonly wildcard: readonly CelHealthRule[];
}

export function ruleKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

export function healthRuleSet(...layers: readonly (readonly CelHealthRule[])[]): HealthRuleSet {
  const exact = new Map<string, CelHealthRule>();
  const wildcard: CelHealthRule[] = [];
  for (const rule of layers.flat()) {
    if (rule.group === '*' || rule.kind === '*') wildcard.unshift(rule);
    else exact.set(ruleKey(rule.group, rule.kind), rule);
  }
  return { exact, wildcard };
}

/** The built-in library alone: what health/ uses when it is handed no rules. */
export const builtinHealthRules: HealthRuleSet = healthRuleSet(builtinCelRules);
