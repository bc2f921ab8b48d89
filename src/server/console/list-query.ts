/**
 * One page of the Applications list, decided in memory over the per-replica
 * summaries: filter (namespace, sync, health, text), count per state over all
 * Applications, and cut a page after a cursor. Pure, so the rules are a table
 * test; the route only gathers the entries and builds the rows of one page.
 * Cost per page: one pass over the entries (10,000 take well under a
 * millisecond), and rows built only for the page.
 */
import { z } from 'zod';
import { HealthStatus } from '../../../health/status.ts';
import { isApplicationKey } from '../../queue/reconcile-job.ts';
import type { AppSummary } from './app-summary.ts';

export const syncFilterValues = ['Synced', 'OutOfSync', 'Unknown'] as const;
export const healthFilterValues = Object.values(HealthStatus);

export const maxPageSize = 500;
export const defaultPageSize = 100;

/** A query value given once, repeated, or comma-separated, as a list. */
const listOf = <T extends string>(values: readonly [T, ...T[]]) => z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(',')).map((item) => item.trim()).filter(Boolean))
  .pipe(z.array(z.enum(values)).max(16));

export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ after: key })).toString('base64url');
}

export function decodeCursor(cursor: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const after = (parsed as { after?: unknown } | null)?.after;
    return typeof after === 'string' && isApplicationKey(after) ? after : undefined;
  } catch {
    return undefined;
  }
}

export const listQuerySchema = z.object({
  namespace: z.string().max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name').optional(),
  sync: listOf(syncFilterValues).optional(),
  health: listOf(healthFilterValues as [string, ...string[]]).optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(maxPageSize).default(defaultPageSize),
  cursor: z.string().max(1024).optional()
    .refine((value) => value === undefined || decodeCursor(value) !== undefined, 'is not a cursor this server gave out')
    .transform((value) => (value === undefined ? undefined : decodeCursor(value))),
});
export type ListQuery = z.output<typeof listQuerySchema>;

export interface ListEntry<A> {
  key: string;
  namespace: string;
  app: A;
  summary: AppSummary;
  /** Invalid Applications count and filter as Unknown. */
  valid: boolean;
}

export interface ListCounts {
  total: number;
  matching: number;
  sync: Record<string, number>;
  health: Record<string, number>;
  namespaces: Record<string, number>;
}

export interface ListPage<A> {
  entries: ListEntry<A>[];
  nextCursor: string | null;
  counts: ListCounts;
}

const syncOf = (entry: ListEntry<unknown>): string => (entry.valid ? entry.summary.sync : 'Unknown');
const healthOf = (entry: ListEntry<unknown>): string => (entry.valid ? entry.summary.health : 'Unknown');

function matcher(query: ListQuery): (entry: ListEntry<unknown>) => boolean {
  const sync = query.sync && query.sync.length > 0 ? new Set<string>(query.sync) : undefined;
  const health = query.health && query.health.length > 0 ? new Set<string>(query.health) : undefined;
  const text = query.q?.trim().toLowerCase() || undefined;
  return (entry) => (query.namespace === undefined || entry.namespace === query.namespace)
    && (sync === undefined || sync.has(syncOf(entry)))
    && (health === undefined || health.has(healthOf(entry)))
    && (text === undefined || entry.key.toLowerCase().includes(text)
      || (entry.summary.revision?.startsWith(text) ?? false)
      || (entry.summary.subject?.toLowerCase().includes(text) ?? false));
}

/** `entries` sorted by key (code-unit order), as the route gives them. */
export function listPage<A>(entries: readonly ListEntry<A>[], query: ListQuery): ListPage<A> {
  const counts: ListCounts = {
    total: entries.length, matching: 0,
    sync: Object.fromEntries(syncFilterValues.map((value) => [value, 0])),
    health: Object.fromEntries(healthFilterValues.map((value) => [value, 0])),
    namespaces: {},
  };
  const matches = matcher(query);
  const page: ListEntry<A>[] = [];
  let more = false;
  for (const entry of entries) {
    const sync = syncOf(entry);
    const health = healthOf(entry);
    counts.sync[sync] = (counts.sync[sync] ?? 0) + 1;
    counts.health[health] = (counts.health[health] ?? 0) + 1;
    counts.namespaces[entry.namespace] = (counts.namespaces[entry.namespace] ?? 0) + 1;
    if (!matches(entry)) continue;
    counts.matching += 1;
    if (query.cursor !== undefined && entry.key <= query.cursor) continue;
    if (page.length < query.limit) page.push(entry);
    else more = true;
  }
  const last = page.at(-1);
  return { entries: page, nextCursor: more && last ? encodeCursor(last.key) : null, counts };
}

export function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
