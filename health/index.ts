/**
 * health/: the health of live Kubernetes objects. One pure function per kind
 * family maps an object to `{ status, message }` or to no opinion (undefined);
 * `aggregateHealth` rolls many into one, worst first. No I/O, and nothing here
 * imports src/ or sync/.
 *
 * Promises: statuses are a closed set with a severity order; a kind without a rule
 * and without kstatus conditions is never reported Healthy; a rule never throws on
 * a malformed object; messages say in plain words what is happening.
 */
export { type Health, HealthStatus, compareSeverity, healthStatusesBySeverity, isWorse, missingHealth } from './status.ts';
export { type HealthRule, assessHealth } from './assess.ts';
export { type AssessedObject, aggregateHealth, isHealthIgnored } from './aggregate.ts';
export { type CelHealthRule, assessWithCelRule, celRuleErrors, evaluateCelPredicate } from './cel-rules.ts';
export { type HealthRuleSet, builtinHealthRules, healthRuleSet } from './rule-set.ts';
export { builtinCelRules } from './rules/builtin.ts';
export { untrustedCelProblems } from './cel-limits.ts';
