/**
 * The HTTP server of the controller, as one Express app: health and readiness,
 * Prometheus metrics, the status API under /api/v1 (read with a read token or
 * publicly, change with an admin token), repository webhooks, and the OpenAPI
 * document that describes all of them. Every route group lives in its own
 * module under routes/; errors are one type and one handler (errors.ts).
 * Nothing heavy runs in a request: operations and webhooks only enqueue.
 * The console (console/, built to console/dist) is served at `/` with its
 * session sign-in, list, detail and event routes (routes/console*, session,
 * events); src/server/console/CONTRACT.md says what each answers.
 */
import express, { type Express } from 'express';
import { createAuth, createTokenRoles } from './auth.ts';
import { withSecurityHeaders } from './console/security-headers.ts';
import { withSessions } from './console/session-auth.ts';
import { serveConsole } from './console/static-files.ts';
import type { ServerDeps } from './deps.ts';
import { errorHandler, routeNotFound } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { registerApplicationRoutes } from './routes/applications.ts';
import { registerConsoleRoutes } from './routes/console.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerSessionRoutes } from './routes/session.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerNotificationRoutes } from './routes/notifications.ts';
import { registerOperationRoutes } from './routes/operations.ts';
import { registerWebhookRoutes } from './routes/webhooks.ts';

export type { ServerDeps, ServerMetrics, WebhookSettings } from './deps.ts';

export function createApp(deps: ServerDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind a Service or an ingress the peer is the proxy; rate limits still key on it unless configured otherwise.
  app.set('trust proxy', false);
  app.use(withSecurityHeaders);
  const consoleDeps = deps.console ?? {};
  // A bearer header as before; or the console's session cookie, with CSRF for changes.
  const sessionAuth = {
    sessions: consoleDeps.sessions, roleOf: createTokenRoles(deps.auth), publicRead: deps.auth.publicRead,
    secureCookies: consoleDeps.secureCookies ?? false, now: deps.now ?? Date.now,
  };
  const access = withSessions(createAuth(deps.auth), sessionAuth);
  if (deps.auth.adminTokens.length === 0) {
    deps.log.warn(`no admin token configured (BERTH_API_ADMIN_TOKENS): the API refuses every operation${deps.auth.readTokens.length === 0 && !deps.auth.publicRead ? ' and every read' : ''}`);
  }

  registerHealthRoutes(app, deps);
  app.get('/api/v1/openapi.json', (_request, response) => { response.json(openApiDocument); });
  registerWebhookRoutes(app, deps);
  registerApplicationRoutes(app, deps, access('read'));
  registerOperationRoutes(app, deps, access('admin'));
  registerNotificationRoutes(app, deps, access('read'), access('admin'));
  registerSessionRoutes(app, deps, consoleDeps, sessionAuth);
  registerConsoleRoutes(app, deps, consoleDeps, access('read'));
  registerEventRoutes(app, deps, consoleDeps, access('read'));
  // The console itself at `/`, after every API route, so no file can shadow one.
  app.use(serveConsole(consoleDeps.distDir));

  app.use(routeNotFound);
  app.use(errorHandler(deps.log));
  return app;
}
