/**
 * The console's read routes, each one request per view: the paginated list
 * (filters and counts decided in memory over the per-replica rows, so a page of
 * 10,000 Applications costs no Redis round trip), one Application with its
 * source, conditions, drift counts, history and whole resource tree, one
 * object's drift, and "why is this field not drift". Nothing here reads an
 * object the Application does not manage: the drift routes look the object up
 * in the Application's own drift report before touching the cluster.
 */
import type { Express, Request, RequestHandler } from 'express';
import { z } from 'zod';
import { explainNotDrift } from '../../../diff/explain-not-drift.ts';
import type { RegisteredApp } from '../../application/app-registry.ts';
import { parseApplicationKey } from '../../application/index.ts';
import { redactUrlCredentials, redactUrlCredentialsDeep } from '../../log.ts';
import type { ServerDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import type { DriftObject } from '../status-store.ts';
import { parseRequest } from '../validation.ts';
import { statusOf } from '../views.ts';
import { fallbackSummary, repoUrlOf, revisionView, rowOf, summarizeStatus, type AppSummary } from '../console/app-summary.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { historyItems } from '../console/history-view.ts';
import { byKey, listPage, listQuerySchema, type ListEntry } from '../console/list-query.ts';
import { buildResourceTree, workloadNamespaces } from '../console/resource-tree.ts';
import { findApplication } from './applications.ts';

export const consoleApplicationPath = '/api/v1/console/namespaces/:namespace/applications/:name';

const name = z.string().min(1).max(253);
export const objectQuery = z.object({
  group: z.string().max(253).default(''),
  version: z.string().min(1).max(63),
  kind: z.string().min(1).max(63),
  namespace: z.string().max(63).default(''),
  name,
});
export const explainQuery = objectQuery.extend({
  pointer: z.string().max(1024).regex(/^\//, 'must be an RFC 6901 JSON pointer starting with "/"'),
});

function sourceOf(app: RegisteredApp): { repoURL: string; path: string; targetRevision: string } {
  if (app.valid) {
    const { repoURL, path, targetRevision } = app.spec.source;
    return { repoURL: redactUrlCredentials(repoURL), path, targetRevision };
  }
  const source = (app.raw as { spec?: { source?: Record<string, unknown> } } | undefined)?.spec?.source ?? {};
  const text = (value: unknown): string => (typeof value === 'string' ? redactUrlCredentials(value) : '');
  return { repoURL: text(source.repoURL), path: text(source.path), targetRevision: text(source.targetRevision) };
}

function findObject(objects: readonly DriftObject[], ref: z.output<typeof objectQuery>): DriftObject | undefined {
  return objects.find((object) => object.group === ref.group && object.version === ref.version && object.kind === ref.kind
    && object.namespace === ref.namespace && object.name === ref.name);
}

const describeRef = (ref: z.output<typeof objectQuery>): string => `${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;

export function registerConsoleRoutes(app: Express, deps: ServerDeps, consoleDeps: ConsoleDeps, read: RequestHandler): void {
  /** Rows of every Application: from this replica's index, else (no feed) read in bulk. */
  const summariesOf = async (apps: readonly RegisteredApp[]): Promise<(app: RegisteredApp) => AppSummary> => {
    const index = consoleDeps.summaries;
    if (index) return (entry) => index.summary(entry.key) ?? fallbackSummary(entry);
    const stored = await deps.statuses.statuses(apps.map((entry) => entry.key));
    return (entry) => {
      const found = stored.get(entry.key);
      return found ? summarizeStatus(found.status, found.updatedAt) : fallbackSummary(entry);
    };
  };

  // The order of the keys, kept between requests: sorting 10,000 keys on every page is most of a page's cost.
  let sortedKeys: string[] = [];
  const orderedApps = (): RegisteredApp[] => {
    const current = deps.registry.list();
    if (current.length === sortedKeys.length) {
      const ordered: RegisteredApp[] = [];
      for (const key of sortedKeys) {
        const found = deps.registry.get(key);
        if (!found) break;
        ordered.push(found);
      }
      if (ordered.length === current.length) return ordered;
    }
    const sorted = [...current].sort(byKey);
    sortedKeys = sorted.map((entry) => entry.key);
    return sorted;
  };

  app.get('/api/v1/console/applications', read, async (request, response) => {
    const query = parseRequest(listQuerySchema, request.query, 'query');
    const apps = orderedApps();
    const summaryOf = await summariesOf(apps);
    const entries = apps.map((entry): ListEntry<RegisteredApp> => ({
      key: entry.key, namespace: parseApplicationKey(entry.key)?.namespace ?? '', app: entry, summary: summaryOf(entry), valid: entry.valid,
    }));
    const page = listPage(entries, query);
    response.json({ items: page.entries.map((entry) => rowOf(entry.app, entry.summary)), nextCursor: page.nextCursor, counts: page.counts });
  });

  app.get(consoleApplicationPath, read, async (request, response) => {
    const found = findApplication(deps, request);
    const [stored, drift] = await Promise.all([deps.statuses.status(found.key), deps.statuses.drift(found.key)]);
    const status = statusOf(found, stored);
    const summary = consoleDeps.summaries?.summary(found.key) ?? (stored ? summarizeStatus(stored.status, stored.updatedAt) : fallbackSummary(found));
    const resources = status?.resources ?? [];
    const namespaces = workloadNamespaces(resources);
    let live: Parameters<typeof buildResourceTree>[1] = { nodes: [], truncated: false };
    if (namespaces.length > 0) {
      if (!consoleDeps.live) {
        live = { error: 'this server reads no live objects: ReplicaSets and Pods are not shown' };
      } else {
        live = await consoleDeps.live.workloads(namespaces, found).catch((error: unknown) => {
          deps.log.warn({ app: found.key, err: error instanceof Error ? error.message : String(error) }, 'console: live objects of the tree not read');
          return { error: `the live ReplicaSets and Pods could not be listed: ${redactUrlCredentials(error instanceof Error ? error.message : String(error))}` };
        });
      }
    }
    const source = sourceOf(found);
    const repoURL = repoUrlOf(found);
    response.json({
      app: rowOf(found, summary),
      source: { ...source, commit: summary.revision ? revisionView(summary.revision, repoURL, summary) : null },
      destination: { namespace: found.valid ? found.spec.destinationNamespace : '' },
      automated: found.valid && found.spec.automated !== undefined,
      conditions: status?.conditions ?? [],
      ...(found.valid ? {} : { problems: found.problems.map(({ path, message }) => ({ path, message: redactUrlCredentials(message) })) }),
      drift: drift
        ? { status: drift.status, revision: drift.revision ?? null, checkedAt: drift.checkedAt, counts: drift.counts, truncated: drift.truncated }
        : { status: 'Unknown', revision: null, checkedAt: null, counts: { Synced: 0, OutOfSync: 0, Missing: 0, Extraneous: 0 }, truncated: false },
      tree: buildResourceTree(resources, live),
      history: historyItems(status, repoURL),
      lastOperation: stored?.lastOperation === undefined ? null : redactUrlCredentialsDeep(stored.lastOperation),
    });
  });

  const driftObjectOf = async (request: Request): Promise<{ app: RegisteredApp; ref: z.output<typeof objectQuery>; object: DriftObject; checkedAt: string; revision: string | null }> => {
    const found = findApplication(deps, request);
    const ref = parseRequest(objectQuery, request.query, 'query');
    const drift = await deps.statuses.drift(found.key);
    const object = drift ? findObject(drift.objects, ref) : undefined;
    if (!drift || !object) throw new HttpError(404, 'not-found', `Application ${found.key} has no ${describeRef(ref)} in its drift report`);
    return { app: found, ref, object, checkedAt: drift.checkedAt, revision: drift.revision ?? null };
  };

  app.get(`${consoleApplicationPath}/drift-object`, read, async (request, response) => {
    const { app: found, object, checkedAt, revision } = await driftObjectOf(request);
    const status = statusOf(found, await deps.statuses.status(found.key));
    const health = status?.resources?.find((row) => row.group === object.group && row.kind === object.kind && (row.namespace ?? '') === object.namespace && row.name === object.name)?.health;
    response.json({
      ref: { group: object.group, version: object.version, kind: object.kind, namespace: object.namespace, name: object.name },
      status: object.status, mode: object.mode ?? null, revision, checkedAt,
      diff: object.diff, patch: object.patch ?? [], truncated: object.truncated === true,
      health: health ?? null,
    });
  });

  app.get(`${consoleApplicationPath}/drift-object/explain`, read, async (request, response) => {
    const { app: found, object } = await driftObjectOf(request);
    const { pointer } = parseRequest(explainQuery, request.query, 'query');
    if (object.patch === undefined && object.status === 'OutOfSync') {
      throw new HttpError(409, 'conflict', `the drift report of ${object.kind}/${object.name} was cut for size, so which fields drifted is not known; see the text diff`);
    }
    if (!consoleDeps.live) throw new HttpError(503, 'unavailable', 'this server reads no live objects, so it cannot say why a field is not drift');
    const ref = { group: object.group, version: object.version, kind: object.kind, namespace: object.namespace, name: object.name };
    const live = await consoleDeps.live.object(ref, found).catch((error: unknown) => {
      throw new HttpError(503, 'unavailable', `${object.kind}/${object.name} could not be read from the cluster: ${redactUrlCredentials(error instanceof Error ? error.message : String(error))}`);
    });
    let answer;
    try {
      answer = explainNotDrift({ ref, pointer, live, rules: found.valid ? found.spec.ignoreDifferences : [], patch: object.patch ?? [] });
    } catch (error) {
      throw new HttpError(400, 'invalid-request', `query.pointer: ${error instanceof Error ? error.message : String(error)}`);
    }
    response.json(answer);
  });
}
