/**
 * `/healthz` (the process answers), `/readyz` (cluster and Redis reachable) and
 * `/metrics` (Prometheus text). No authentication: kubelets and Prometheus
 * call them, and they reveal nothing an Application owner would hide.
 */
import type { Express } from 'express';
import type { ServerDeps } from '../deps.ts';

export function registerHealthRoutes(app: Express, deps: Pick<ServerDeps, 'ready' | 'metrics'>): void {
  app.get('/healthz', (_request, response) => { response.json({ status: 'ok' }); });
  app.get('/readyz', async (_request, response) => {
    try {
      await deps.ready();
      response.json({ status: 'ok' });
    } catch (error) {
      response.status(503).json({ status: 'unavailable', message: error instanceof Error ? error.message : String(error) });
    }
  });
  app.get('/metrics', async (_request, response) => {
    const { contentType, body } = await deps.metrics.render();
    response.type(contentType).send(body);
  });
}
