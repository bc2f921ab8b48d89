/**
 * Read routes of the status API. Applications are addressed as
 * `/api/v1/namespaces/{namespace}/applications/{name}`, Kubernetes-style, so a
 * name is never ambiguous. The registry says which Applications exist; the
 * status store says what the last reconcile (on any replica) found.
 */
import type { Express, Request, RequestHandler } from 'express';
import { formatApplicationKey } from '../../application/index.ts';
import type { RegisteredApp } from '../../application/app-registry.ts';
import type { ServerDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { applicationParams, driftQuery, parseRequest } from '../validation.ts';
import { detailOf, driftOf, statusOf, summaryOf, textDiffOf } from '../views.ts';

export const applicationPath = '/api/v1/namespaces/:namespace/applications/:name';

/** The registered Application a route's path names, or a 404 problem. */
export function findApplication(deps: Pick<ServerDeps, 'registry'>, request: Request): RegisteredApp {
  const { namespace, name } = parseRequest(applicationParams, request.params, 'path');
  const app = deps.registry.get(formatApplicationKey({ namespace, name }));
  if (!app) throw new HttpError(404, 'not-found', `Application ${namespace}/${name} is not registered with this controller`);
  return app;
}

export function registerApplicationRoutes(app: Express, deps: ServerDeps, read: RequestHandler): void {
  app.get('/api/v1/applications', read, async (_request, response) => {
    const apps = deps.registry.list().sort((a, b) => a.key.localeCompare(b.key));
    const stored = await deps.statuses.statuses(apps.map((entry) => entry.key));
    response.json({ items: apps.map((entry) => summaryOf(entry, stored.get(entry.key))) });
  });

  app.get(applicationPath, read, async (request, response) => {
    const found = findApplication(deps, request);
    response.json(detailOf(found, await deps.statuses.status(found.key)));
  });

  app.get(`${applicationPath}/drift`, read, async (request, response) => {
    const found = findApplication(deps, request);
    const { format } = parseRequest(driftQuery, request.query, 'query');
    const [drift, stored] = await Promise.all([deps.statuses.drift(found.key), deps.statuses.status(found.key)]);
    const view = driftOf(found.key, drift, statusOf(found, stored));
    if (format === 'text') {
      response.type('text/plain; charset=utf-8').set('Berth-Sync-Status', view.status).send(textDiffOf(view));
      return;
    }
    response.json(view);
  });

  app.get(`${applicationPath}/history`, read, async (request, response) => {
    const found = findApplication(deps, request);
    const status = statusOf(found, await deps.statuses.status(found.key));
    response.json({ app: found.key, items: [...(status?.history ?? [])].sort((a, b) => b.id - a.id) });
  });

  app.get(`${applicationPath}/resources`, read, async (request, response) => {
    const found = findApplication(deps, request);
    const status = statusOf(found, await deps.statuses.status(found.key));
    response.json({ app: found.key, items: status?.resources ?? [] });
  });
}
