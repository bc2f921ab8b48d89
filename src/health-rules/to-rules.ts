/**
 * Health checks as written (an Application's spec.healthChecks, a HealthRule's
 * spec.rules) turned into health/'s CEL rules, each naming where it came from.
 * An Application's are a tenant's: their shape is limited (health/cel-limits.ts),
 * and a refused one stays in the set as an error, so its kind is Degraded with
 * the reason rather than judged by a rule the tenant did not write.
 */
import { type CelHealthRule, untrustedCelProblems } from '../../health/index.ts';
import type { HealthCheck } from '../application/health-check-schema.ts';

const expressionFields = ['failed', 'suspended', 'inProgress', 'current', 'message'] as const;

function toRule(check: HealthCheck, source: string): CelHealthRule {
  return {
    group: check.group, kind: check.kind, source,
    ...Object.fromEntries(expressionFields.flatMap((field) => (check[field] === undefined ? [] : [[field, check[field]]]))),
  };
}

/** An Application's spec.healthChecks: tenant-written, so limited. */
export function applicationHealthRules(namespace: string, name: string, checks: readonly HealthCheck[]): CelHealthRule[] {
  return checks.map((check, index) => {
    const rule = toRule(check, `Application ${namespace}/${name} spec.healthChecks[${index}]`);
    const problems = expressionFields.flatMap((field) => {
      const expression = check[field];
      return expression === undefined ? [] : untrustedCelProblems(expression).map((problem) => `${field}: ${problem}`);
    });
    return problems.length > 0 ? { ...rule, error: problems.join('; ') } : rule;
  });
}

/** A HealthRule's spec.rules: written by a cluster admin (the object is cluster-scoped), so not limited. */
export function clusterHealthRules(name: string, checks: readonly HealthCheck[]): CelHealthRule[] {
  return checks.map((check, index) => toRule(check, `HealthRule ${name} spec.rules[${index}]`));
}
