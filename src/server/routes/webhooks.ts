/**
 * `POST /api/v1/webhooks/{provider}`: a repository host announces a push. The
 * route limits the rate per source address, reads the raw body (a signature is
 * over bytes), lets the pure adapters in webhooks/ verify and parse it, takes
 * the delivery id once across replicas, and queues a reconcile of every
 * Application the push concerns (same repository, a ref its targetRevision
 * follows, files under its path; when the payload lists no files, the
 * reconcile's own changed-path filter decides). It answers 202 with what was
 * queued; nothing is synced in the request.
 */
import express, { type Express, type Request, type Response } from 'express';
import { matchPush, parseWebhook, repositoryKeys, resolveProvider, type PushEvent } from '../../../webhooks/index.ts';
import type { ServerDeps } from '../deps.ts';
import { HttpError, type ProblemType } from '../errors.ts';
import { createRateLimiter } from '../rate-limit.ts';
import { webhookSecretVariables } from '../webhook-secrets.ts';

export const webhookPath = '/api/v1/webhooks/:provider';

const problemOfStatus: Record<number, ProblemType> = { 400: 'invalid-request', 401: 'unauthorized', 404: 'route-not-found', 413: 'payload-too-large' };
const resultOfStatus: Record<number, string> = { 400: 'invalid', 401: 'unauthorized', 404: 'unknown_provider', 413: 'too_large' };

export interface QueuedApplication {
  app: string;
  revision: string | undefined;
  reason: string;
}

/** The Applications a push concerns, once each (a Bitbucket delivery can move several refs), and how many it does not. */
export function applicationsConcerned(events: readonly PushEvent[], apps: ReturnType<ServerDeps['registry']['list']>): { queued: QueuedApplication[]; skipped: number } {
  const queued = new Map<string, QueuedApplication>();
  let valid = 0;
  for (const app of apps) if (app.valid) valid += 1;
  for (const event of events) {
    const keys = repositoryKeys(event);
    for (const app of apps) {
      if (!app.valid) continue;
      const { source } = app.spec;
      const match = matchPush(event, source, keys);
      if (match.verdict === 'skip') continue;
      queued.set(app.key, { app: app.key, revision: event.after, reason: match.reason });
    }
  }
  return { queued: [...queued.values()], skipped: valid - queued.size };
}

function readRawBody(request: Request, response: Response, limit: number): Promise<Buffer> {
  const parse = express.raw({ type: () => true, limit });
  return new Promise((resolve, reject) => {
    parse(request, response, (error?: unknown) => {
      if (error) reject(error instanceof Error ? error : new Error('request body could not be read'));
      else resolve(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));
    });
  });
}

export function registerWebhookRoutes(app: Express, deps: ServerDeps): void {
  const limited = createRateLimiter(deps.webhooks.rateLimit, deps.now);

  app.post(webhookPath, async (request, response) => {
    const named = request.params.provider;
    const provider = resolveProvider(named);
    const count = (result: string): void => { deps.metrics.webhookRequest(provider ?? 'unknown', result); };
    const fail = (status: number, type: ProblemType, detail: string, result: string, headers?: Record<string, string>): never => {
      count(result);
      throw new HttpError(status, type, detail, headers ? { headers } : {});
    };

    const decision = limited(request.socket.remoteAddress ?? 'unknown');
    if (!decision.allowed) {
      fail(429, 'rate-limited', `too many webhook deliveries from this address; retry in ${decision.retryAfterSeconds}s`, 'rate_limited',
        { 'Retry-After': String(decision.retryAfterSeconds) });
    }
    if (provider === undefined) fail(404, 'route-not-found', `unknown webhook provider ${JSON.stringify(named.slice(0, 40))}`, 'unknown_provider');
    const secret = deps.webhooks.secretOf(provider ?? '');
    if (!secret) {
      fail(401, 'unauthorized', `no webhook secret is configured for ${provider ?? named}: set ${webhookSecretVariables(provider ?? named).join(' or ')}`, 'not_configured');
    }

    let body: Buffer;
    try {
      body = await readRawBody(request, response, deps.webhooks.maxBodyBytes);
    } catch (error) {
      count((error as { type?: unknown }).type === 'entity.too.large' ? 'too_large' : 'invalid');
      throw error;
    }
    const result = parseWebhook(provider ?? named, request.headers, body, { secret: secret ?? '', maxBodyBytes: deps.webhooks.maxBodyBytes });
    if (result.kind === 'rejected') {
      deps.log.info({ provider, status: result.status, reason: result.reason }, 'webhook delivery rejected');
      fail(result.status, problemOfStatus[result.status] ?? 'invalid-request', result.reason, resultOfStatus[result.status] ?? 'invalid');
      return;
    }
    if (result.kind !== 'push') {
      count(result.kind);
      response.status(202).json({ provider, event: result.kind, reason: result.reason, queued: [] });
      return;
    }

    const deliveryId = result.deliveryId;
    if (deliveryId !== undefined && !(await deps.deliveries.claim(provider ?? named, deliveryId))) {
      count('duplicate');
      response.status(202).json({ provider, deliveryId, duplicate: true, queued: [] });
      return;
    }
    const { queued, skipped } = applicationsConcerned(result.events, deps.registry.list());
    try {
      for (const entry of queued) {
        await deps.queue.enqueue({
          app: entry.app, reason: 'webhook',
          ...(entry.revision ? { revision: entry.revision } : {}),
          requestedBy: `webhook:${provider ?? named}${deliveryId ? `:${deliveryId.slice(0, 100)}` : ''}`,
        });
      }
    } catch (error) {
      if (deliveryId !== undefined) await deps.deliveries.release(provider ?? named, deliveryId).catch(() => undefined);
      count('error');
      throw error;
    }
    count('accepted');
    deps.log.info({ provider, deliveryId, queued: queued.map((entry) => entry.app), skipped }, 'webhook delivery accepted');
    response.status(202).json({ provider, deliveryId, queued, skipped });
  });
}
