/**
 * The zod schema of an Application (`berth.dev/v1alpha1`), mirroring the CRD in
 * charts/berth/crds/ field for field: the same required fields, enums, patterns
 * and cross-field rules, so that Berth and the API server accept and reject the
 * same objects (test/application/ checks both against one corpus).
 *
 * Defaults live here and only here (`applicationDefaults`); the CRD declares
 * none, so a stored object shows what its author wrote. `resolve.ts` turns the
 * parsed spec into the numbers and flags the controller uses.
 */
import { z } from 'zod';
import { sourceSpecSchema } from './source-spec.ts';
import { durationPattern } from './duration.ts';
import { celExpressionSchema, healthCheckSchema } from './health-check-schema.ts';

export const apiGroup = 'berth.dev';
export const apiVersion = 'berth.dev/v1alpha1';
export const applicationKind = 'Application';
export const applicationPlural = 'applications';

export const applicationDefaults = {
  automated: { prune: false, selfHeal: false, allowEmpty: false },
  pollInterval: '3m',
  retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
  rollback: { enabled: true, healthTimeout: '5m' },
} as const;

/** RFC 1123 label: a namespace. */
export const dnsLabelPattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** RFC 1123 subdomain: an object name. */
export const dnsSubdomainPattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** An RFC 6901 pointer into an object; the whole document (``) is not a field one can ignore. */
export const jsonPointerPattern = '^(/([^/~]|~[01])*)+$';
/** Where a destination API server is. */
export const serverUrlPattern = '^https?://\\S+$';
/** The options an Application may set; the CRD lists the same alternatives. */
export const syncOptionPattern = '^((CreateNamespace|Force|ForceConflicts)=(true|false)|PrunePropagationPolicy=(Foreground|Background|Orphan))$';

const dnsLabel = z.string()
  .max(63, { message: 'must be at most 63 characters' })
  .regex(new RegExp(dnsLabelPattern), { message: 'must be a DNS label: lower-case letters, digits and -' });
const dnsSubdomain = z.string()
  .max(253, { message: 'must be at most 253 characters' })
  .regex(new RegExp(dnsSubdomainPattern), { message: 'must be a DNS subdomain: lower-case letters, digits, - and .' });
const duration = z.string().regex(new RegExp(durationPattern), { message: 'must be a duration such as 30s, 3m or 1h30m' });

export const automatedSyncSchema = z.strictObject({
  /** Delete objects that left Git. */
  prune: z.boolean().default(applicationDefaults.automated.prune),
  /** Undo changes made in the cluster outside Git. */
  selfHeal: z.boolean().default(applicationDefaults.automated.selfHeal),
  /** Allow a sync that would leave the Application with no objects. */
  allowEmpty: z.boolean().default(applicationDefaults.automated.allowEmpty),
});

export const backoffSchema = z.strictObject({
  duration: duration.default(applicationDefaults.retry.backoff.duration),
  factor: z.int().min(1, { message: 'must be at least 1' }).max(10, { message: 'must be at most 10' })
    .default(applicationDefaults.retry.backoff.factor),
  maxDuration: duration.default(applicationDefaults.retry.backoff.maxDuration),
});

export const retrySchema = z.strictObject({
  /** Attempts of a sync that fails for a transient reason, the first included (0 counts as 1); then it counts as failed. */
  limit: z.int().min(0, { message: 'must be at least 0' }).max(100, { message: 'must be at most 100' })
    .default(applicationDefaults.retry.limit),
  backoff: backoffSchema.prefault({}),
});

export const rollbackSchema = z.strictObject({
  /** Re-apply the last healthy revision when a rollout fails. */
  enabled: z.boolean().default(applicationDefaults.rollback.enabled),
  /** How long a rollout may take to become Healthy before it counts as failed. */
  healthTimeout: duration.default(applicationDefaults.rollback.healthTimeout),
});

export const syncPolicySchema = z.strictObject({
  /** Sync by itself on a new revision; absent: only a manual sync applies anything. */
  automated: automatedSyncSchema.optional().describe('Sync by itself on a new revision; absent means manual sync only.'),
  pollInterval: duration.default(applicationDefaults.pollInterval).describe(`Default ${applicationDefaults.pollInterval}.`),
  retry: retrySchema.prefault({}),
  rollback: rollbackSchema.prefault({}),
  syncOptions: z.array(z.string().regex(new RegExp(syncOptionPattern), {
    message: 'must be one of CreateNamespace=, Force=, ForceConflicts= (true|false) or PrunePropagationPolicy=(Foreground|Background|Orphan)',
  })).default([]),
});

export const destinationSchema = z.strictObject({
  /** Namespace of namespaced objects that name none; the one `CreateNamespace=true` creates. */
  namespace: dnsLabel,
  /** A cluster Secret's name in the controller's namespace (src/clusters); `in-cluster` or unset: the cluster Berth runs against. */
  name: z.string().max(253, { message: 'must be at most 253 characters' })
    .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, { message: 'must be a cluster name: lower-case letters, digits, - and .' }).optional()
    .describe('Name of a cluster Secret in the controller\'s namespace; unset or in-cluster: the cluster Berth runs against.'),
  /** API server URL of a cluster Secret; unset means the cluster Berth runs against. Give name or server, not both. */
  server: z.string().regex(new RegExp(serverUrlPattern), { message: 'must be an http(s) URL' }).optional()
    .describe('API server URL of a cluster Secret (name is preferred); unset: the cluster Berth runs against.'),
});

export const ignoreDifferenceSchema = z.strictObject({
  /** API group, `` for the core group, `*` for any. */
  group: z.string().optional(),
  kind: z.string().min(1, { message: 'must not be empty' }),
  namespace: z.string().optional(),
  name: z.string().optional(),
  jsonPointers: z.array(z.string().regex(new RegExp(jsonPointerPattern), { message: 'must be a JSON pointer such as /spec/replicas' })).optional(),
  managedFieldsManagers: z.array(z.string().min(1, { message: 'must not be empty' })).optional(),
}).refine(
  (rule) => (rule.jsonPointers?.length ?? 0) > 0 || (rule.managedFieldsManagers?.length ?? 0) > 0,
  { message: 'must list jsonPointers or managedFieldsManagers' },
).meta({
  // The same rule as the refine above, for the API server (CEL).
  'x-kubernetes-validations': [{
    rule: '(has(self.jsonPointers) && size(self.jsonPointers) > 0) || (has(self.managedFieldsManagers) && size(self.managedFieldsManagers) > 0)',
    message: 'must list jsonPointers or managedFieldsManagers',
  }],
});

export const dependencySchema = z.strictObject({
  name: dnsSubdomain,
  /** Another namespace only where a BerthPolicy of this Application's namespace allows it (dependsOnNamespaces). */
  namespace: dnsLabel.optional().describe('Default: this Application\'s namespace; another only where a BerthPolicy allows it.'),
  /** CEL over `self` (the dependency Application) that must also hold, e.g. on its status. */
  readyExpr: celExpressionSchema.optional().describe('CEL over self (the dependency Application) that must also be true.'),
});

export const applicationSpecSchema = z.strictObject({
  source: sourceSpecSchema,
  destination: destinationSchema,
  syncPolicy: syncPolicySchema.prefault({}),
  ignoreDifferences: z.array(ignoreDifferenceSchema).default([]),
  /** Apply as this ServiceAccount of the Application's namespace (impersonation; a later issue). */
  serviceAccountName: dnsSubdomain.optional(),
  /** CEL health rules for this Application's objects; they override the cluster's HealthRules and the built-in library. */
  healthChecks: z.array(healthCheckSchema).max(64, { message: 'must list at most 64 rules' }).default([])
    .describe('CEL health rules by group and kind for this Application\'s objects; they override the cluster\'s and the built-in ones.'),
  /** Applications that must be Healthy at their current revision before this one syncs. */
  dependsOn: z.array(dependencySchema).max(32, { message: 'must list at most 32 Applications' }).default([])
    .describe('Applications that must be Healthy at their current revision before this one syncs.'),
});

export const applicationMetadataSchema = z.looseObject({
  name: dnsSubdomain,
  namespace: dnsLabel,
});

export type AutomatedSync = z.infer<typeof automatedSyncSchema>;
export type RetryPolicy = z.infer<typeof retrySchema>;
export type RollbackPolicy = z.infer<typeof rollbackSchema>;
export type SyncPolicy = z.infer<typeof syncPolicySchema>;
export type Destination = z.infer<typeof destinationSchema>;
export type IgnoreDifference = z.infer<typeof ignoreDifferenceSchema>;
export type Dependency = z.infer<typeof dependencySchema>;
/** A spec with every default filled in. */
export type ApplicationSpec = z.infer<typeof applicationSpecSchema>;
/** A spec as its author writes it (defaults optional). */
export type ApplicationSpecInput = z.input<typeof applicationSpecSchema>;
