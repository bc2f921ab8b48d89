/**
 * The list row of an Application, small enough to keep for 10,000 of them in
 * memory and in one Redis hash: sync, health, revision, last sync, release and
 * the rollback marker, derived from the full status by one pure function
 * (`summarizeStatus`), used when the status is written and when a replica has
 * only the status the Application carries in the cluster.
 */
import { z } from 'zod';
import type { RegisteredApp } from '../../application/app-registry.ts';
import { parseApplicationKey, type ApplicationStatus, type HistoryRecord } from '../../application/index.ts';
import { redactUrlCredentials } from '../../log.ts';
import { commitUrlOf } from './commit-links.ts';

export const appSummarySchema = z.object({
  sync: z.string().max(64),
  health: z.string().max(64),
  healthMessage: z.string().max(1024).optional(),
  revision: z.string().max(256).optional(),
  subject: z.string().max(512).optional(),
  author: z.string().max(256).optional(),
  lastSyncAt: z.string().max(64).optional(),
  release: z.string().max(64).optional(),
  rollback: z.object({ from: z.string().max(256), to: z.string().max(256), at: z.string().max(64).optional(), message: z.string().max(2048) }).optional(),
  updatedAt: z.string().max(64).optional(),
});
export type AppSummary = z.infer<typeof appSummarySchema>;

/** What the controller knows of a commit (recorded when it rendered it). */
export interface CommitInfo {
  subject: string;
  author: string;
}

function newest(history: readonly HistoryRecord[] | undefined, accept: (entry: HistoryRecord) => boolean = () => true): HistoryRecord | undefined {
  let best: HistoryRecord | undefined;
  for (const entry of history ?? []) if (accept(entry) && (best === undefined || entry.id > best.id)) best = entry;
  return best;
}

const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export function summarizeStatus(status: ApplicationStatus | undefined, updatedAt?: string, commit?: CommitInfo): AppSummary {
  const last = newest(status?.history);
  const summary: AppSummary = { sync: status?.sync?.status ?? 'Unknown', health: status?.health?.status ?? 'Unknown' };
  if (status?.health?.message) summary.healthMessage = cut(redactUrlCredentials(status.health.message), 1024);
  if (status?.sync?.revision) summary.revision = status.sync.revision;
  if (commit && status?.sync?.revision) {
    summary.subject = cut(commit.subject, 512);
    summary.author = cut(commit.author, 256);
  }
  if (last) summary.lastSyncAt = last.finishedAt ?? last.startedAt;
  if (status?.release?.status) summary.release = status.release.status;
  const failed = status?.failedRevision ?? status?.release?.failedRevision;
  if (failed) {
    const restored = newest(status?.history, (entry) => entry.initiator === 'rollback');
    summary.rollback = {
      from: failed,
      to: status?.sync?.revision ?? status?.release?.revision ?? restored?.revision ?? '',
      ...(restored ? { at: restored.finishedAt ?? restored.startedAt } : {}),
      message: cut(redactUrlCredentials(status?.release?.message ?? restored?.message ?? ''), 2048),
    };
  }
  if (updatedAt) summary.updatedAt = updatedAt;
  return summary;
}

export interface RevisionView {
  sha: string;
  short: string;
  subject?: string;
  author?: string;
  url?: string;
}

export interface ApplicationRow {
  key: string;
  namespace: string;
  name: string;
  valid: boolean;
  sync: string;
  health: string;
  healthMessage?: string;
  revision: RevisionView | null;
  lastSyncAt: string | null;
  release: string | null;
  rollback: { from: string; to: string; at?: string; message: string } | null;
  updatedAt: string | null;
}

export function repoUrlOf(app: RegisteredApp): string | undefined {
  if (app.valid) return app.spec.source.repoURL;
  const raw = (app.raw as { spec?: { source?: { repoURL?: unknown } } } | undefined)?.spec?.source?.repoURL;
  return typeof raw === 'string' ? raw : undefined;
}

export function revisionView(sha: string, repoURL: string | undefined, commit?: { subject?: string | undefined; author?: string | undefined }): RevisionView {
  const view: RevisionView = { sha, short: sha.slice(0, 7) };
  if (commit?.subject !== undefined) view.subject = commit.subject;
  if (commit?.author !== undefined) view.author = commit.author;
  const url = repoURL ? commitUrlOf(repoURL, sha) : undefined;
  if (url) view.url = url;
  return view;
}

/** The summary a replica has for an Application no status write has reached yet. */
export function fallbackSummary(app: RegisteredApp): AppSummary {
  return summarizeStatus(app.valid ? app.application.status : undefined);
}

export function rowOf(app: RegisteredApp, summary: AppSummary): ApplicationRow {
  const { namespace, name } = parseApplicationKey(app.key) ?? { namespace: '', name: app.key };
  const valid = app.valid;
  const row: ApplicationRow = {
    key: app.key, namespace, name, valid,
    sync: valid ? summary.sync : 'Unknown',
    health: valid ? summary.health : 'Unknown',
    revision: summary.revision ? revisionView(summary.revision, repoUrlOf(app), summary) : null,
    lastSyncAt: summary.lastSyncAt ?? null,
    release: summary.release ?? null,
    rollback: summary.rollback ?? null,
    updatedAt: summary.updatedAt ?? null,
  };
  if (summary.healthMessage !== undefined) row.healthMessage = summary.healthMessage;
  return row;
}
