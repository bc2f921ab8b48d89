/**
 * What a reconcile job carries and what a reconcile returns. A job names one
 * Application (`<namespace>/<name>`) and why it should be reconciled; it never
 * carries manifests, so a job is a few hundred bytes however large the
 * Application. Job data read back from Redis is validated here before use.
 */
import { z } from 'zod';

export const reconcileReasons = {
  poll: 'poll',
  webhook: 'webhook',
  manual: 'manual',
  watch: 'watch',
  recheck: 'recheck',
  startup: 'startup',
} as const;
export type ReconcileReason = (typeof reconcileReasons)[keyof typeof reconcileReasons];

/** One trigger of a reconcile: the job's data. */
export interface ReconcileJob {
  /** `<namespace>/<name>` of the Application. */
  app: string;
  reason: ReconcileReason;
  /** The revision the trigger announced (a webhook's commit), when it named one. */
  revision?: string;
  /** Who asked (a user for a manual sync, a webhook delivery id, ...). */
  requestedBy?: string;
  /** What a person asked for through the API; absent for every automatic trigger. */
  operation?: ReconcileOperation;
}

/**
 * A person's request, carried by the job so the request handler only enqueues:
 * - `sync`: sync now, to `revision` when given (else the tracked ref); `dryRun`
 *   plans and dry-runs on the server and persists nothing; `prune` overrides the spec's;
 * - `rollback`: sync `revision`, a commit from the Application's history;
 * - `refresh`: resolve the tracked ref afresh and check drift, syncing only if automated.
 */
export type ReconcileOperation =
  | { kind: 'sync'; revision?: string; dryRun?: boolean; prune?: boolean }
  | { kind: 'rollback'; revision: string }
  | { kind: 'refresh' };

/** What a reconcile reports back to the queue layer. */
export interface ReconcileOutcome {
  /**
   * Reconcile this Application again at this time (a rollout still in progress):
   * the layer adds a delayed job, so the wait holds no worker slot.
   */
  recheckAt?: Date | number;
}

/** Handed to the reconcile function alongside the job. */
export interface ReconcileContext {
  /** Aborted when the worker gives up on the job (shutdown past its drain timeout). */
  signal: AbortSignal;
  jobId: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
}

export type ReconcileFunction = (job: ReconcileJob, context: ReconcileContext) => Promise<ReconcileOutcome>;

/** The value a completed job stores in Redis (plain JSON). */
export interface ReconcileResult {
  app: string;
  reason: ReconcileReason;
  revision?: string;
  recheckAt?: number;
  /** The trigger had been covered by an earlier reconcile; nothing ran. */
  skipped?: true;
}

// A DNS-1123 label (namespace) and a DNS-1123 subdomain (object name).
const namespacePattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const namePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isApplicationKey(value: string): boolean {
  const [namespace, name, ...rest] = value.split('/');
  return rest.length === 0 && namespace !== undefined && name !== undefined &&
    namespacePattern.test(namespace) && name.length <= 253 && namePattern.test(name);
}

const reconcileJobSchema = z.strictObject({
  app: z.string().refine(isApplicationKey, { message: 'must be <namespace>/<name> with DNS-1123 names' }),
  reason: z.enum(Object.values(reconcileReasons)),
  revision: z.string().min(1).max(256).optional(),
  requestedBy: z.string().min(1).max(256).optional(),
  operation: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('sync'), revision: z.string().min(1).max(256).optional(), dryRun: z.boolean().optional(), prune: z.boolean().optional() }),
    z.strictObject({ kind: z.literal('rollback'), revision: z.string().min(1).max(256) }),
    z.strictObject({ kind: z.literal('refresh') }),
  ]).optional(),
});

function withoutUndefined(operation: ReconcileOperation): ReconcileOperation {
  return Object.fromEntries(Object.entries(operation as Record<string, unknown>).filter(([, value]) => value !== undefined)) as ReconcileOperation;
}

export type ParsedReconcileJob = { ok: true; job: ReconcileJob } | { ok: false; problem: string };

/** Validates job data (from a caller or read back from Redis); never throws. */
export function parseReconcileJob(data: unknown): ParsedReconcileJob {
  const result = reconcileJobSchema.safeParse(data);
  if (result.success) {
    const { app, reason, revision, requestedBy, operation } = result.data;
    // Rebuilt without absent keys, so a job stored in Redis never has `undefined` fields.
    const job: ReconcileJob = { app, reason };
    if (revision !== undefined) job.revision = revision;
    if (requestedBy !== undefined) job.requestedBy = requestedBy;
    if (operation !== undefined) job.operation = withoutUndefined(operation);
    return { ok: true, job };
  }
  const problem = result.error.issues.map((issue) => `${issue.path.join('.') || '(job)'}: ${issue.message}`).join('; ');
  return { ok: false, problem };
}
