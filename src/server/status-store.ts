/**
 * The latest status, drift report and operation result of every Application,
 * kept in Redis so that every replica behind one Service answers the same: the
 * replica that ran a reconcile writes, any replica's API reads.
 *
 * Keys live under the queue prefix: `<prefix>:app-status:<namespace>/<name>`
 * (status and last operation, small, read in bulk for the list) and
 * `<prefix>:app-drift:<namespace>/<name>` (the per-object drift report). Values
 * are JSON with a TTL refreshed on every write, so an Application deleted while
 * no replica ran holds no key for ever. A drift report is capped in size: text
 * diffs are cut at `maxDiffChars`, and past `maxDriftBytes` objects keep their
 * status but lose patch and diff (`truncated: true` says so). Secret values
 * never reach this module: diff/ masks them before any patch or diff exists.
 * Every write also announces itself on the console's change feed (the list row
 * and an entry of the stream, console/change-feed.ts), in the same MULTI.
 */
import type { Redis } from 'ioredis';
import type { PatchOperation } from '../../diff/index.ts';
import type { DriftCheckResult } from '../../sync/drift-check.ts';
import type { ChangeSummary } from '../../sync/index.ts';
import type { ApplicationStatus } from '../application/index.ts';
import { summarizeStatus, type CommitInfo } from './console/app-summary.ts';
import { recordChange } from './console/change-feed.ts';

export interface DriftObject {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status: 'Synced' | 'OutOfSync' | 'Missing' | 'Extraneous';
  /** How Synced / OutOfSync was decided (`server-side-dry-run` or `desired-subset`). */
  mode?: string;
  /** RFC 6902 from live to what a sync makes of it; absent when cut for size. */
  patch?: PatchOperation[];
  /** Unified diff of the YAML, Secret values masked. */
  diff: string;
  /** Patch or diff were cut to keep the report within its size cap. */
  truncated?: true;
}

export interface StoredDrift {
  status: 'Synced' | 'OutOfSync';
  /** The commit the report compares the cluster with. */
  revision: string | undefined;
  checkedAt: string;
  counts: Record<DriftObject['status'], number>;
  objects: DriftObject[];
  /** Objects compared without a server-side dry run, and why. */
  fallbacks: { object: string; reason: string; message: string }[];
  truncated: boolean;
}

/** The outcome of the last operation a person asked for (a dry run leaves nothing else behind). */
export interface OperationReport {
  kind: 'sync' | 'rollback' | 'refresh';
  dryRun: boolean;
  revision: string;
  phase: 'Succeeded' | 'Failed';
  message: string;
  summary?: ChangeSummary;
  /** One line per object a dry run would touch: `created ConfigMap/shop/web`. */
  changes?: string[];
  requestedBy?: string;
  finishedAt: string;
}

export interface StoredStatus {
  app: string;
  status: ApplicationStatus;
  updatedAt: string;
  lastOperation?: OperationReport;
}

export interface StatusStoreOptions {
  /** Key prefix, the queue's (`berth`). */
  prefix: string;
  ttlMs: number;
  maxDiffChars: number;
  maxDriftBytes: number;
  /**
   * The subject and author of a commit this replica rendered, for the console's
   * list row; undefined when it does not know (the row then shows the sha only).
   */
  describeCommit?: (app: string, revision: string) => Promise<CommitInfo | undefined>;
}

export const defaultStatusStoreOptions: Omit<StatusStoreOptions, 'prefix'> = {
  ttlMs: 30 * 24 * 3_600_000,
  maxDiffChars: 64 * 1024,
  maxDriftBytes: 2 * 1024 * 1024,
};

/** What the status sink writes. */
export interface StatusWriter {
  saveStatus(app: string, status: ApplicationStatus, now: Date): Promise<void>;
  saveDrift(app: string, drift: DriftCheckResult, revision: string | undefined, now: Date): Promise<void>;
  saveOperation(app: string, report: OperationReport): Promise<void>;
}

/** What the API reads. */
export interface StatusReader {
  status(app: string): Promise<StoredStatus | undefined>;
  statuses(apps: readonly string[]): Promise<Map<string, StoredStatus>>;
  drift(app: string): Promise<StoredDrift | undefined>;
}

function cutDiff(diff: string, max: number): { diff: string; cut: boolean } {
  if (diff.length <= max) return { diff, cut: false };
  return { diff: `${diff.slice(0, max)}\n... diff truncated (${diff.length} characters in all)\n`, cut: true };
}

/** The drift report as stored: no live or predicted objects, and within the size caps. */
export function compactDrift(drift: DriftCheckResult, revision: string | undefined, now: Date, options: Pick<StatusStoreOptions, 'maxDiffChars' | 'maxDriftBytes'>): StoredDrift {
  let budget = options.maxDriftBytes;
  let truncated = false;
  const objects = drift.objects.map((object): DriftObject => {
    const { group, version, kind, namespace, name } = object.ref;
    const entry: DriftObject = { group, version, kind, namespace, name, status: object.status, diff: '' };
    if (object.mode) entry.mode = object.mode;
    const { diff, cut } = cutDiff(object.diff, options.maxDiffChars);
    const patchBytes = object.patch.length > 0 ? JSON.stringify(object.patch).length : 2;
    const cost = diff.length + patchBytes;
    if (cost > budget) {
      entry.truncated = true;
      truncated = true;
      return entry;
    }
    budget -= cost;
    entry.diff = diff;
    entry.patch = object.patch;
    if (cut) {
      entry.truncated = true;
      truncated = true;
    }
    return entry;
  });
  return {
    status: drift.status, revision, checkedAt: now.toISOString(), counts: { ...drift.counts }, objects,
    fallbacks: drift.fallbacks.map((fallback) => ({
      object: `${fallback.ref.kind}/${fallback.ref.namespace ? `${fallback.ref.namespace}/` : ''}${fallback.ref.name}`,
      reason: fallback.reason, message: fallback.message,
    })),
    truncated,
  };
}

function parse(raw: string | null): unknown {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

export class RedisStatusStore implements StatusWriter, StatusReader {
  readonly #redis: Redis;
  readonly #options: StatusStoreOptions;

  constructor(redis: Redis, options: Partial<StatusStoreOptions> & { prefix: string }) {
    this.#redis = redis;
    this.#options = { ...defaultStatusStoreOptions, ...options };
  }

  statusKey(app: string): string {
    return `${this.#options.prefix}:app-status:${app}`;
  }

  driftKey(app: string): string {
    return `${this.#options.prefix}:app-drift:${app}`;
  }

  async saveStatus(app: string, status: ApplicationStatus, now: Date): Promise<void> {
    const previous = await this.status(app);
    const stored: StoredStatus = { app, status, updatedAt: now.toISOString(), ...(previous?.lastOperation ? { lastOperation: previous.lastOperation } : {}) };
    const revision = status.sync?.revision;
    const commit = revision ? await this.#options.describeCommit?.(app, revision).catch(() => undefined) : undefined;
    // One MULTI: no replica sees the change announced before the status it announces is there.
    const multi = this.#redis.multi().set(this.statusKey(app), JSON.stringify(stored), 'PX', this.#options.ttlMs);
    await recordChange(multi, this.#options.prefix, app, 'status', summarizeStatus(status, stored.updatedAt, commit)).exec();
  }

  async saveDrift(app: string, drift: DriftCheckResult, revision: string | undefined, now: Date): Promise<void> {
    const stored = compactDrift(drift, revision, now, this.#options);
    const multi = this.#redis.multi().set(this.driftKey(app), JSON.stringify(stored), 'PX', this.#options.ttlMs);
    await recordChange(multi, this.#options.prefix, app, 'drift').exec();
  }

  async saveOperation(app: string, report: OperationReport): Promise<void> {
    const previous = await this.status(app);
    const stored: StoredStatus = { app, status: previous?.status ?? {}, updatedAt: previous?.updatedAt ?? report.finishedAt, lastOperation: report };
    const multi = this.#redis.multi().set(this.statusKey(app), JSON.stringify(stored), 'PX', this.#options.ttlMs);
    await recordChange(multi, this.#options.prefix, app, 'operation').exec();
  }

  async status(app: string): Promise<StoredStatus | undefined> {
    return parse(await this.#redis.get(this.statusKey(app))) as StoredStatus | undefined;
  }

  async statuses(apps: readonly string[]): Promise<Map<string, StoredStatus>> {
    const found = new Map<string, StoredStatus>();
    // MGET in slices: one round trip per 500 Applications, never one huge reply.
    for (let start = 0; start < apps.length; start += 500) {
      const slice = apps.slice(start, start + 500);
      const values = await this.#redis.mget(slice.map((app) => this.statusKey(app)));
      slice.forEach((app, index) => {
        const stored = parse(values[index] ?? null) as StoredStatus | undefined;
        if (stored) found.set(app, stored);
      });
    }
    return found;
  }

  async drift(app: string): Promise<StoredDrift | undefined> {
    return parse(await this.#redis.get(this.driftKey(app))) as StoredDrift | undefined;
  }
}
