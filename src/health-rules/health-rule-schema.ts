/**
 * The spec of a HealthRule (`berth.dev/v1alpha1`, cluster-scoped): health rules
 * for an operator's kinds, in the shape of an Application's spec.healthChecks
 * (src/application/health-check-schema.ts), written by the cluster's admins and
 * out of every tenant's reach, like a BerthPolicy.
 */
import { z } from 'zod';
import { healthCheckSchema } from '../application/health-check-schema.ts';

export const healthRuleKind = 'HealthRule';
export const healthRulePlural = 'healthrules';
/** The collection path of HealthRules (cluster-scoped). */
export const healthRulesPath = '/apis/berth.dev/v1alpha1/healthrules';

/** A HealthRule as a cluster admin writes one; the CRD carries it as its example. */
export const healthRuleExample = {
  rules: [{
    group: 'example.com',
    kind: 'Database',
    failed: `has(self.status) && has(self.status.phase) && self.status.phase == 'Failed'`,
    current: `has(self.status) && has(self.status.phase) && self.status.phase == 'Ready'`,
    message: `has(self.status) && has(self.status.message) ? self.status.message : ''`,
  }],
};

export const healthRuleSpecSchema = z.strictObject({
  rules: z.array(healthCheckSchema).min(1, { message: 'must list at least one rule' })
    .describe('Rules by group and kind; they override the built-in library, and an Application\'s spec.healthChecks override them.'),
}).meta({ example: healthRuleExample });

export type HealthRuleSpec = z.output<typeof healthRuleSpecSchema>;
