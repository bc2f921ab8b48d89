/**
 * The spec of a parsed Application in the terms the controller works with:
 * durations in milliseconds, sync options as flags, ignore rules in diff/'s
 * shape. The schema has already filled in every default
 * (`applicationDefaults`); this adds none of its own.
 */
import type { IgnoreDifferenceRule } from '../../diff/options.ts';
import type { PropagationPolicy } from '../../sync/index.ts';
import { syncRetryJitter, type RetryPolicy } from '../../sync/retry-policy.ts';
import { parseDuration } from './duration.ts';
import type { HealthCheck } from './health-check-schema.ts';
import type { ApplicationSpec, Dependency } from './schema.ts';
import type { SourceSpec } from './source-spec.ts';

export interface ApplicationSyncOptions {
  /** `CreateNamespace=true`: create the destination namespace when missing. */
  createNamespace: boolean;
  /** `Force=true`: delete and recreate an object whose change hits an immutable field. */
  force: boolean;
  /** `ForceConflicts=false` fails on fields owned by another manager instead of taking them over. */
  forceConflicts: boolean | undefined;
  /** `PrunePropagationPolicy=...`: how pruned objects' dependents go. */
  prunePropagationPolicy: PropagationPolicy | undefined;
}

/** `spec.syncPolicy.retry` as sync/retry-policy.ts, the one retry policy, takes it. */
export type ResolvedRetryPolicy = RetryPolicy;

export interface ResolvedApplicationSpec {
  source: SourceSpec;
  destinationNamespace: string;
  server: string | undefined;
  /** spec.destination.name: a cluster Secret's name (src/clusters/destination.ts decides). */
  clusterName: string | undefined;
  /** Undefined: manual sync only. */
  automated: { prune: boolean; selfHeal: boolean; allowEmpty: boolean } | undefined;
  pollIntervalMs: number;
  retry: ResolvedRetryPolicy;
  rollback: { enabled: boolean; healthTimeoutMs: number };
  syncOptions: ApplicationSyncOptions;
  ignoreDifferences: IgnoreDifferenceRule[];
  serviceAccountName: string | undefined;
  /** spec.healthChecks as written (src/health-rules/ turns them into rules). */
  healthChecks: HealthCheck[];
  /** spec.dependsOn as written (src/dependencies/ resolves the namespaces). */
  dependsOn: Dependency[];
}

/** Reads `syncOptions` entries (already checked by the schema's pattern); a later entry wins. */
export function parseSyncOptions(entries: readonly string[]): ApplicationSyncOptions {
  const options: ApplicationSyncOptions = {
    createNamespace: false, force: false, forceConflicts: undefined, prunePropagationPolicy: undefined,
  };
  for (const entry of entries) {
    const [key, value = ''] = entry.split('=', 2);
    switch (key) {
      case 'CreateNamespace': options.createNamespace = value === 'true'; break;
      case 'Force': options.force = value === 'true'; break;
      case 'ForceConflicts': options.forceConflicts = value === 'true'; break;
      case 'PrunePropagationPolicy': options.prunePropagationPolicy = value as PropagationPolicy; break;
      default: throw new SyntaxError(`syncOptions: unknown option "${entry}"`);
    }
  }
  return options;
}

export function resolveApplicationSpec(spec: ApplicationSpec): ResolvedApplicationSpec {
  const { syncPolicy } = spec;
  const { backoff } = syncPolicy.retry;
  const backoffMs = parseDuration(backoff.duration);
  return {
    source: spec.source,
    destinationNamespace: spec.destination.namespace,
    server: spec.destination.server,
    clusterName: spec.destination.name,
    automated: syncPolicy.automated ? { ...syncPolicy.automated } : undefined,
    pollIntervalMs: parseDuration(syncPolicy.pollInterval),
    retry: {
      limit: syncPolicy.retry.limit,
      backoffMs,
      factor: backoff.factor,
      // A cap below the first delay would make every delay the cap; the first delay wins.
      maxBackoffMs: Math.max(backoffMs, parseDuration(backoff.maxDuration)),
      jitter: syncRetryJitter,
    },
    rollback: { enabled: syncPolicy.rollback.enabled, healthTimeoutMs: parseDuration(syncPolicy.rollback.healthTimeout) },
    syncOptions: parseSyncOptions(syncPolicy.syncOptions),
    ignoreDifferences: spec.ignoreDifferences.map((rule) => ({ ...rule })),
    serviceAccountName: spec.serviceAccountName,
    healthChecks: spec.healthChecks.map((check) => ({ ...check })),
    dependsOn: spec.dependsOn.map((dependency) => ({ ...dependency })),
  };
}
