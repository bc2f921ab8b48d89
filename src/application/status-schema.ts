/**
 * The `status` of an Application, as the controller writes it to the status
 * subresource and as the CRD's schema describes it: sync status and revision,
 * aggregated health, kstatus conditions, per-object status, the last 10
 * history entries, and the release state of a rollout in progress.
 *
 * The names follow sync/ (`HistoryEntry`, `ReleaseState`, `ChangeSummary`) so
 * the controller stores them without translation. Reading a status back is
 * lenient: a status this version cannot read is dropped, never a reason to
 * reject the Application.
 */
import { z } from 'zod';
import { HealthStatus } from '../../health/status.ts';
import { changeActions, initiators, releaseReasons, releaseStatuses } from '../../sync/index.ts';

export const syncStatuses = { Synced: 'Synced', OutOfSync: 'OutOfSync', Unknown: 'Unknown' } as const;
export type SyncStatus = (typeof syncStatuses)[keyof typeof syncStatuses];

/** Per-object diff status, as diff/ reports it. */
export const resourceSyncStatuses = { Synced: 'Synced', OutOfSync: 'OutOfSync', Missing: 'Missing', Extraneous: 'Extraneous' } as const;
export type ResourceSyncStatus = (typeof resourceSyncStatuses)[keyof typeof resourceSyncStatuses];

/** kstatus condition types. */
export const conditionTypes = { Ready: 'Ready', Reconciling: 'Reconciling', Stalled: 'Stalled' } as const;
export type ConditionType = (typeof conditionTypes)[keyof typeof conditionTypes];

export const conditionStatuses = { True: 'True', False: 'False', Unknown: 'Unknown' } as const;
export type ConditionStatus = (typeof conditionStatuses)[keyof typeof conditionStatuses];

export const historyPhases = { Running: 'Running', Succeeded: 'Succeeded', Failed: 'Failed' } as const;

/** How many history entries the status keeps. */
export const statusHistoryLimit = 10;

const values = <T extends Record<string, string>>(object: T) => Object.values(object) as [T[keyof T], ...T[keyof T][]];

/** An RFC 3339 time; read leniently, described as what it is. */
const timestamp = z.string().meta({ format: 'date-time' });
const int64 = z.int().min(0).meta({ format: 'int64' });

const healthSchema = z.looseObject({
  status: z.enum(values(HealthStatus)),
  message: z.string().optional(),
});

export const conditionSchema = z.looseObject({
  // The bounds are metav1.Condition's.
  type: z.string().min(1).max(316),
  status: z.enum(values(conditionStatuses)),
  observedGeneration: int64.optional(),
  /** CamelCase, as metav1.Condition requires. */
  reason: z.string().min(1).max(1024).regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
  message: z.string().max(32768),
  lastTransitionTime: timestamp,
});

export const resourceStatusSchema = z.looseObject({
  group: z.string(),
  version: z.string(),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  status: z.enum(values(resourceSyncStatuses)),
  health: healthSchema.optional(),
});

const changeSummarySchema = z.object(Object.fromEntries(Object.values(changeActions).map((action) => [action, z.int().min(0)])) as
  Record<keyof typeof changeActions, z.ZodInt>);

export const historyRecordSchema = z.looseObject({
  id: z.int().min(1).meta({ format: 'int64' }),
  revision: z.string(),
  initiator: z.enum(values(initiators)),
  phase: z.enum(values(historyPhases)),
  startedAt: timestamp,
  finishedAt: timestamp.optional(),
  changes: changeSummarySchema.optional(),
  message: z.string(),
});

/**
 * sync/'s `ReleaseState`, plus whatever the rollout in progress needs to carry
 * between jobs (the CRD keeps unknown fields of this object).
 */
export const releaseRecordSchema = z.looseObject({
  status: z.enum(values(releaseStatuses)),
  reason: z.enum(values(releaseReasons)),
  message: z.string(),
  revision: z.string().optional(),
  initiator: z.enum(values(initiators)).optional(),
  lastHealthyRevision: z.string().optional(),
  failedRevision: z.string().optional(),
});

export const applicationStatusSchema = z.looseObject({
  observedGeneration: int64.optional(),
  sync: z.looseObject({ status: z.enum(values(syncStatuses)), revision: z.string().optional() }).optional(),
  health: healthSchema.optional(),
  conditions: z.array(conditionSchema).optional().meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
  resources: z.array(resourceStatusSchema).optional().describe('Every object of the Application, with its diff status and health.'),
  history: z.array(historyRecordSchema).max(statusHistoryLimit).optional().describe(`The last ${statusHistoryLimit} operations, oldest first.`),
  lastHealthyRevision: z.string().optional(),
  failedRevision: z.string().optional().describe('Not applied again automatically until the tracked ref moves.'),
  release: releaseRecordSchema.optional().meta({
    description: 'The release state machine (sync/rollback-state.ts) and what a rollout in progress carries between jobs.',
    'x-kubernetes-preserve-unknown-fields': true,
  }),
});

export type Condition = z.infer<typeof conditionSchema>;
export type ResourceStatus = z.infer<typeof resourceStatusSchema>;
export type HistoryRecord = z.infer<typeof historyRecordSchema>;
export type ReleaseRecord = z.infer<typeof releaseRecordSchema>;
export type ApplicationStatus = z.infer<typeof applicationStatusSchema>;

/** The status, or undefined when there is none or it does not fit this version's schema. */
export function readApplicationStatus(status: unknown): ApplicationStatus | undefined {
  if (status === undefined || status === null) return undefined;
  const parsed = applicationStatusSchema.safeParse(status);
  return parsed.success ? parsed.data : undefined;
}
