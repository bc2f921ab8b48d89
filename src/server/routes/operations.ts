/**
 * Routes that ask the controller to do something: sync, refresh, rollback.
 * Each validates, enqueues one reconcile job carrying the operation, and answers
 * 202 with what was queued; the work runs on a queue worker. As in Argo CD, a
 * sync to a named revision and a rollback are refused (409) for an Application
 * with automated sync: its next poll would put the tracked ref straight back.
 */
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import type { RegisteredApp } from '../../application/app-registry.ts';
import type { ReconcileJob } from '../../queue/reconcile-job.ts';
import type { ServerDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { parseRequest, rollbackBody, syncBody } from '../validation.ts';
import { statusOf } from '../views.ts';
import { applicationPath, findApplication } from './applications.ts';

type ValidApp = Extract<RegisteredApp, { valid: true }>;

function requireValid(app: RegisteredApp): ValidApp {
  if (!app.valid) throw new HttpError(409, 'conflict', `Application ${app.key} is invalid and cannot be reconciled: ${app.message}`);
  return app;
}

function refuseWhenAutomated(app: ValidApp, what: string): void {
  if (app.spec.automated === undefined) return;
  throw new HttpError(409, 'conflict',
    `Application ${app.key} has automated sync: ${what} would be undone by its next poll, which syncs ` +
    `${app.spec.source.targetRevision} again. Turn automated sync off (spec.syncPolicy.automated), or change targetRevision in Git.`);
}

export function registerOperationRoutes(app: Express, deps: ServerDeps, admin: RequestHandler): void {
  // After authentication, so an anonymous caller cannot make the server read a body.
  // express.json() silently skips a body of another type: {"revision": ...} sent as
  // text/plain would have queued a sync of the tracked ref instead, so it is a 415.
  const onlyJson: RequestHandler = (request, _response, next) => {
    const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    next(hasBody && request.is('application/json') === false
      ? new HttpError(415, 'unsupported-media-type', 'the request body must be application/json')
      : undefined);
  };
  const json: RequestHandler[] = [onlyJson, express.json({ limit: '64kb' })];
  const enqueue = async (job: ReconcileJob): Promise<{ queued: ReconcileJob }> => {
    await deps.queue.enqueue(job);
    deps.log.info({ app: job.app, operation: job.operation }, 'operation queued through the API');
    return { queued: job };
  };

  app.post(`${applicationPath}/sync`, admin, json, async (request: Request, response: Response) => {
    const found = requireValid(findApplication(deps, request));
    const body = parseRequest(syncBody, request.body ?? {}, 'body');
    if (body.revision !== undefined && body.dryRun !== true) refuseWhenAutomated(found, `a sync to ${body.revision}`);
    const operation: ReconcileJob['operation'] = { kind: 'sync', ...body };
    response.status(202).json(await enqueue({ app: found.key, reason: 'manual', requestedBy: 'api', operation }));
  });

  app.post(`${applicationPath}/refresh`, admin, async (request, response) => {
    const found = findApplication(deps, request);
    // A refresh is a poll that asks Git afresh: it syncs only what automated sync would.
    response.status(202).json(await enqueue({ app: found.key, reason: 'poll', requestedBy: 'api', operation: { kind: 'refresh' } }));
  });

  app.post(`${applicationPath}/rollback`, admin, json, async (request: Request, response: Response) => {
    const found = requireValid(findApplication(deps, request));
    const body = parseRequest(rollbackBody, request.body ?? {}, 'body');
    let revision: string;
    if ('id' in body) {
      const history = statusOf(found, await deps.statuses.status(found.key))?.history ?? [];
      const entry = history.find((item) => item.id === body.id);
      if (!entry) {
        const known = history.map((item) => item.id).join(', ') || 'none';
        throw new HttpError(404, 'not-found', `Application ${found.key} has no history entry ${body.id} (entries kept: ${known})`);
      }
      revision = entry.revision;
    } else {
      revision = body.revision;
    }
    refuseWhenAutomated(found, `a rollback to ${revision}`);
    response.status(202).json(await enqueue({ app: found.key, reason: 'manual', requestedBy: 'api', operation: { kind: 'rollback', revision } }));
  });
}
