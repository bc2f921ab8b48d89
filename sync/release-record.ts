/**
 * The persisted form of a `ReleaseRecord` (sync/release.ts): a versioned
 * envelope that names the Application it belongs to, and the zod schema that
 * reads it back. The record decides what prune deletes, so it is never taken
 * on trust (`JSON.parse(text) as ReleaseRecord`): `parseReleaseRecord` checks
 * the JSON, the format version, every field, and that the owner is the
 * Application being reconciled, since a record copied from another
 * Application would hand over that Application's inventory.
 *
 * Promises:
 * - the schema's output type is exactly `ReleaseRecord` (checked at compile
 *   time below): a field added to one and not the other fails typecheck;
 * - a problem is data (`{ ok: false, problem }`), its text naming the field
 *   (`release.inventory.entries[0].kind: ...`); nothing here throws on input.
 */
import { z } from 'zod';
import type { ObjectRef } from '../objects.ts';
import { operationPhases, type ChangeSummary } from './change-set.ts';
import type { CompletedJob } from './completed-jobs.ts';
import type { HistoryEntry } from './history.ts';
import type { Inventory } from './inventory.ts';
import type { PendingRetry, PendingRollout, ReleaseRecord } from './release.ts';
import { initiators, releaseReasons, releaseStatuses, type ReleaseState } from './rollback-state.ts';

/** The format written now; a record of any other version is refused, never guessed at. */
export const releaseRecordVersion = 1;

/** The Application a record belongs to. `uid` is absent for an Application read from a file. */
export interface ReleaseOwner {
  namespace: string;
  name: string;
  uid?: string | undefined;
}

/** A key that JSON leaves out when its value is undefined: read as absent, typed as `T | undefined`. */
const maybe = <T extends z.ZodType>(schema: T) => schema.optional().transform((value) => value);

const valuesOf = <T extends Record<string, string>>(constants: T) => Object.values(constants) as [T[keyof T], ...T[keyof T][]];

const objectRefSchema = z.object({
  group: z.string(),
  version: z.string().min(1),
  kind: z.string().min(1),
  namespace: z.string(),
  name: z.string().min(1),
});

const inventorySchema = z.object({ entries: z.array(objectRefSchema).readonly() }).readonly();

const releaseStateSchema = z.object({
  status: z.enum(valuesOf(releaseStatuses)),
  reason: z.enum(valuesOf(releaseReasons)),
  message: z.string(),
  revision: maybe(z.string()),
  initiator: maybe(z.enum(valuesOf(initiators))),
  lastHealthyRevision: maybe(z.string()),
  failedRevision: maybe(z.string()),
});

const count = z.number().int().nonnegative();
const epochMs = z.number();

const changeSummarySchema = z.object({
  created: count, configured: count, unchanged: count, deleted: count, skipped: count, failed: count,
});

const historyEntrySchema = z.object({
  id: z.number().int().positive(),
  revision: z.string(),
  initiator: z.enum(valuesOf(initiators)),
  phase: z.enum([...valuesOf(operationPhases), 'Running']),
  startedAt: z.string(),
  finishedAt: maybe(z.string()),
  changes: maybe(changeSummarySchema),
  message: z.string(),
});

const pendingRolloutSchema = z.object({
  revision: z.string(),
  startedAt: epochMs,
  healthTimeoutMs: count,
  refs: z.array(objectRefSchema),
  nextCheckAt: epochMs,
});

const pendingRetrySchema = z.object({ attempts: count, nextAttemptAt: epochMs });

// Added within version 1: optional, so a record written before reads as having none.
const completedJobSchema = z.object({ namespace: z.string(), name: z.string().min(1), revision: z.string(), specHash: z.string().regex(/^[0-9a-f]{64}$/) });

export const releaseRecordSchema = z.object({
  state: releaseStateSchema,
  appliedRevision: maybe(z.string()),
  rollout: maybe(pendingRolloutSchema),
  retry: maybe(pendingRetrySchema),
  inventory: inventorySchema,
  history: z.array(historyEntrySchema),
  completedJobs: z.array(completedJobSchema).readonly().optional(),
});

const ownerSchema = z.object({ namespace: z.string().min(1), name: z.string().min(1), uid: z.string().min(1).optional() });

/** What is stored: `{ version, owner, release }`. */
export const storedReleaseRecordSchema = z.object({
  version: z.number().int(),
  owner: ownerSchema,
  release: releaseRecordSchema,
});

// Compile-time: the schema reads exactly the types sync/ works with, field for field.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- TypeScript's identity check of two types needs X twice
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends (<X>() => X extends B ? 1 : 2) ? true : false;
type Holds<T extends true> = T;
/** Never used: it fails to compile when a schema and the type it reads differ by a field, a type or `readonly`. */
export type SchemasMatchTheirTypes = [
  Holds<Equal<z.output<typeof releaseRecordSchema>, ReleaseRecord>>,
  Holds<Equal<z.output<typeof releaseStateSchema>, ReleaseState>>,
  Holds<Equal<z.output<typeof inventorySchema>, Inventory>>,
  Holds<Equal<z.output<typeof historyEntrySchema>, HistoryEntry>>,
  Holds<Equal<z.output<typeof changeSummarySchema>, ChangeSummary>>,
  Holds<Equal<z.output<typeof pendingRolloutSchema>, PendingRollout>>,
  Holds<Equal<z.output<typeof pendingRetrySchema>, PendingRetry>>,
  Holds<Equal<z.output<typeof completedJobSchema>, CompletedJob>>,
];

export type ParsedReleaseRecord =
  | { ok: true; record: ReleaseRecord; owner: ReleaseOwner }
  | { ok: false; problem: string };

function describeOwner(owner: ReleaseOwner): string {
  return `${owner.namespace}/${owner.name}${owner.uid === undefined ? '' : ` (uid ${owner.uid})`}`;
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

/** Whether a record written for `owner` belongs to `expected`; a uid, when either side has one, must match too. */
export function isSameOwner(owner: ReleaseOwner, expected: ReleaseOwner): boolean {
  return owner.namespace === expected.namespace && owner.name === expected.name && owner.uid === expected.uid;
}

/** Read a stored record (see the module doc); `expectedOwner` is the Application being reconciled. */
export function parseReleaseRecord(text: string, expectedOwner: ReleaseOwner): ParsedReleaseRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, problem: 'not a JSON object' };
  if (version !== releaseRecordVersion) {
    return { ok: false, problem: `version: expected ${releaseRecordVersion}, got ${version === undefined ? 'none' : JSON.stringify(version)}` };
  }
  const parsed = storedReleaseRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : '';
    return { ok: false, problem: issue ? `${issuePath(issue.path) || '(record)'}: ${issue.message}${more}` : 'invalid' };
  }
  const { owner, release } = parsed.data;
  const storedOwner: ReleaseOwner = { namespace: owner.namespace, name: owner.name, uid: owner.uid };
  if (!isSameOwner(storedOwner, expectedOwner)) {
    return { ok: false, problem: `owner: the record belongs to Application ${describeOwner(storedOwner)}, not ${describeOwner(expectedOwner)}` };
  }
  return { ok: true, record: release, owner: storedOwner };
}

/** The text `parseReleaseRecord` reads back as `record` for `owner`. */
export function serializeReleaseRecord(record: ReleaseRecord, owner: ReleaseOwner): string {
  const stored: z.input<typeof storedReleaseRecordSchema> = {
    version: releaseRecordVersion,
    owner: { namespace: owner.namespace, name: owner.name, ...(owner.uid === undefined ? {} : { uid: owner.uid }) },
    release: record,
  };
  return JSON.stringify(stored);
}

/** What may be taken from a record of the old, tenant-writable location: nothing that widens what Berth deletes. */
export interface LegacyReleaseRecord {
  history: HistoryEntry[];
  failedRevision: string | undefined;
  /** Only candidates: the caller keeps those whose live object carries the Application's mark. */
  inventory: ObjectRef[];
}

const legacyReleaseRecordSchema = z.object({
  state: z.object({ failedRevision: maybe(z.string()) }).optional(),
  inventory: z.object({ entries: z.array(objectRefSchema) }).optional(),
  history: z.array(historyEntrySchema).optional(),
});

/**
 * Read a record written before records moved to the controller's namespace
 * (unversioned `ReleaseRecord` JSON in the Application's namespace, which its
 * tenant could write). Undefined when it cannot be read: then nothing is taken.
 */
export function parseLegacyReleaseRecord(text: string): LegacyReleaseRecord | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = legacyReleaseRecordSchema.safeParse(json);
  if (!parsed.success) return undefined;
  return {
    history: parsed.data.history ?? [],
    failedRevision: parsed.data.state?.failedRevision,
    inventory: parsed.data.inventory?.entries ?? [],
  };
}
