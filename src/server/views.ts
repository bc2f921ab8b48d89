/**
 * What the API answers, built from the registry (which Applications exist, and
 * their spec) and the stored status (what the last reconcile found, on any
 * replica). An Application no replica has reconciled yet shows the status it
 * carries in the cluster, if any, else Unknown. No view carries the user-info
 * of a URL: the spec of an invalid Application is shown as written, and a
 * status message may quote an error text, so both lose `user:token@` here.
 */
import type { RegisteredApp } from '../application/app-registry.ts';
import { parseApplicationKey, type ApplicationStatus, type HistoryRecord } from '../application/index.ts';
import { redactUrlCredentials, redactUrlCredentialsDeep } from '../log.ts';
import type { DriftObject, OperationReport, StoredDrift, StoredStatus } from './status-store.ts';

export interface ApplicationSummary {
  key: string;
  namespace: string;
  name: string;
  origin: RegisteredApp['origin'];
  valid: boolean;
  sync: string;
  health: string;
  /** The revision last applied. */
  revision: string | undefined;
  /** When the newest history entry finished (or started, while it runs). */
  lastSyncAt: string | undefined;
  release: string | undefined;
  /** The destination cluster's name (`in-cluster`: the one Berth runs in), or its server URL when named by URL. */
  cluster: string;
}

/** Where an Application deploys, as people name it: spec.destination.name, else its server, else in-cluster. */
function clusterOf(app: RegisteredApp): string {
  if (!app.valid) return 'in-cluster';
  return app.spec.clusterName ?? (app.spec.server === undefined ? 'in-cluster' : redactUrlCredentials(app.spec.server));
}

/** The stored status, else the one the Application carried when the registry last saw it. */
export function statusOf(app: RegisteredApp, stored: StoredStatus | undefined): ApplicationStatus | undefined {
  const status = unredactedStatusOf(app, stored);
  return status === undefined ? undefined : redactUrlCredentialsDeep(status);
}

/** For the summary, which shows no message: no copy per Application of a long list. */
function unredactedStatusOf(app: RegisteredApp, stored: StoredStatus | undefined): ApplicationStatus | undefined {
  if (stored) return stored.status;
  return app.valid ? app.application.status : undefined;
}

function newest(history: readonly HistoryRecord[] | undefined): HistoryRecord | undefined {
  return history?.reduce<HistoryRecord | undefined>((best, entry) => (best === undefined || entry.id > best.id ? entry : best), undefined);
}

export function summaryOf(app: RegisteredApp, stored: StoredStatus | undefined): ApplicationSummary {
  const status = unredactedStatusOf(app, stored);
  const last = newest(status?.history);
  return {
    key: app.key,
    ...(parseApplicationKey(app.key) ?? { namespace: '', name: app.key }),
    origin: app.origin,
    valid: app.valid,
    sync: status?.sync?.status ?? 'Unknown',
    health: status?.health?.status ?? 'Unknown',
    revision: status?.sync?.revision,
    lastSyncAt: last ? last.finishedAt ?? last.startedAt : undefined,
    release: status?.release?.status,
    cluster: clusterOf(app),
  };
}

export interface ApplicationDetail extends ApplicationSummary {
  spec: unknown;
  status: ApplicationStatus | undefined;
  updatedAt: string | undefined;
  lastOperation: OperationReport | undefined;
  /** For an invalid Application: what is wrong with it, field by field. */
  problems?: { path: string; message: string }[];
}

export function detailOf(app: RegisteredApp, stored: StoredStatus | undefined): ApplicationDetail {
  return {
    ...summaryOf(app, stored),
    spec: redactUrlCredentialsDeep(app.valid ? app.application.spec : (app.raw as { spec?: unknown } | undefined)?.spec),
    status: statusOf(app, stored),
    updatedAt: stored?.updatedAt,
    lastOperation: stored?.lastOperation === undefined ? undefined : redactUrlCredentialsDeep(stored.lastOperation),
    ...(app.valid ? {} : { problems: app.problems.map(({ path, message }) => ({ path, message: redactUrlCredentials(message) })) }),
  };
}

export interface DriftView extends Omit<StoredDrift, 'status' | 'objects'> {
  app: string;
  status: StoredDrift['status'] | 'Unknown';
  objects: (DriftObject & { health?: { status: string; message?: string | undefined } })[];
}

/** The stored drift report with each object's live health from the status; Unknown before the first check. */
export function driftOf(app: string, drift: StoredDrift | undefined, status: ApplicationStatus | undefined): DriftView {
  if (!drift) {
    return {
      app, status: 'Unknown', revision: undefined, checkedAt: '', counts: { Synced: 0, OutOfSync: 0, Missing: 0, Extraneous: 0 },
      objects: [], fallbacks: [], truncated: false,
    };
  }
  const health = new Map((status?.resources ?? []).map((row) => [`${row.group}/${row.kind}/${row.namespace ?? ''}/${row.name}`, row.health]));
  return {
    app, ...drift,
    fallbacks: drift.fallbacks.map((fallback) => ({ ...fallback, message: redactUrlCredentials(fallback.message) })),
    objects: drift.objects.map((object) => {
      const found = health.get(`${object.group}/${object.kind}/${object.namespace}/${object.name}`);
      return found ? { ...object, health: found } : object;
    }),
  };
}

/** One unified diff of the whole Application: every object that differs, in order. */
export function textDiffOf(view: DriftView): string {
  const parts = view.objects.filter((object) => object.status !== 'Synced' && object.diff).map((object) => object.diff.endsWith('\n') ? object.diff : `${object.diff}\n`);
  return parts.join('');
}
