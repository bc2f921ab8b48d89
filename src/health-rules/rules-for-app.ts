/**
 * The health rules of one Application, in order of precedence: the built-in
 * library, then the cluster's HealthRules, then its own spec.healthChecks (the
 * last layer with a rule for a kind wins, health/rule-set.ts). Compiled
 * expressions are cached by text in health/, so building the set per reconcile
 * costs a map of a few dozen entries.
 */
import { builtinCelRules, type CelHealthRule, healthRuleSet, type HealthRuleSet } from '../../health/index.ts';
import type { HealthCheck } from '../application/health-check-schema.ts';
import { applicationHealthRules } from './to-rules.ts';

export interface AppHealthRulesInput {
  namespace: string;
  name: string;
  healthChecks: readonly HealthCheck[];
}

export function healthRulesForApp(app: AppHealthRulesInput, clusterRules: readonly CelHealthRule[]): HealthRuleSet {
  return healthRuleSet(builtinCelRules, clusterRules, applicationHealthRules(app.namespace, app.name, app.healthChecks));
}
