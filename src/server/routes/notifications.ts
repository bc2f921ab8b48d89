/**
 * Notification routes: the last deliveries of an Application's notifications
 * and their results (read), and a test message to one NotificationProvider
 * (admin; what `berth notifications test` calls). The provider is named by
 * namespace and name, never by address, and no answer carries a token or an
 * address (the outcome reasons are redacted by the providers).
 */
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import type { ServerDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { parseRequest } from '../validation.ts';
import { applicationPath, findApplication } from './applications.ts';

const providerParams = z.object({
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).max(63),
  name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/).max(253),
});

export function registerNotificationRoutes(app: Express, deps: ServerDeps, read: RequestHandler, admin: RequestHandler): void {
  const notifications = deps.notifications;
  app.get(`${applicationPath}/notifications`, read, async (request, response) => {
    const found = findApplication(deps, request);
    response.json({ application: found.key, deliveries: notifications ? await notifications.deliveries(found.key) : [] });
  });
  app.post('/api/v1/namespaces/:namespace/notificationproviders/:name/test', admin, async (request, response) => {
    const { namespace, name } = parseRequest(providerParams, request.params, 'path');
    if (!notifications) throw new HttpError(503, 'unavailable', 'notifications are not enabled on this controller');
    const outcome = await notifications.test(namespace, name);
    if (outcome === undefined) throw new HttpError(404, 'not-found', `NotificationProvider ${namespace}/${name} is not known to this controller (missing or invalid)`);
    response.json({ provider: `${namespace}/${name}`, outcome });
  });
}
