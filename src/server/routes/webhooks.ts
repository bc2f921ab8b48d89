/**
 * `POST /api/v1/webhooks/{provider}`: a repository host announces a push. The
 * route limits the rate per source address, refuses what the headers alone
 * condemn (no or malformed signature, a wrong GitLab token, a declared length
 * over the limit) before reading a byte, then reads the raw body into an
 * incremental HMAC within a process-wide in-flight byte budget (503 when it is
 * spent), so unsigned bodies cost almost nothing however many arrive at once.
 * The pure adapters in webhooks/ then verify and parse the verified body, take
 * the delivery id once across replicas, and queues a reconcile of every
 * Application the push concerns (same repository, a ref its targetRevision
 * follows, files under its path; when the payload lists no files, the
 * reconcile's own changed-path filter decides). It answers 202 with what was
 * queued; nothing is synced in the request.
 */
import type { Express } from 'express';
import {
  checkBeforeBody, matchPush, parseRegistryWebhook, parseWebhook, repositoryKeys, resolveProvider, resolveRegistryProvider, type PushEvent, type Rejected,
} from '../../../webhooks/index.ts';
import { createByteBudget } from '../byte-budget.ts';
import type { ServerDeps } from '../deps.ts';
import { HttpError, type ProblemType } from '../errors.ts';
import { createRateLimiter } from '../rate-limit.ts';
import { applicationsOfArtifacts } from '../webhook-artifacts.ts';
import { readWebhookBody } from '../webhook-body.ts';
import { webhookSecretVariables } from '../webhook-secrets.ts';

export const webhookPath = '/api/v1/webhooks/:provider';

/** What all deliveries being read may hold at once unless `--webhook-max-inflight-bytes` says otherwise. */
export const defaultWebhookMaxInflightBytes = 64 * 1024 * 1024;
/** How long a delivery waits for room in the budget before it is refused: enough for a burst of honest ones to drain. */
const budgetWaitMs = 2_000;
const busyRetryAfterSeconds = 5;

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

export function registerWebhookRoutes(app: Express, deps: ServerDeps): void {
  const limited = createRateLimiter(deps.webhooks.rateLimit, deps.now);
  // One budget for the process: it bounds what unverified bodies hold together, not per request.
  const budget = createByteBudget({ maxBytes: deps.webhooks.maxInflightBytes ?? defaultWebhookMaxInflightBytes, maxWaitMs: budgetWaitMs });
  const { maxBodyBytes } = deps.webhooks;

  app.post(webhookPath, async (request, response) => {
    const named = request.params.provider;
    // A Git host (push events) or a registry (artifact pushes: webhooks/registry-events.ts).
    const registryProvider = resolveProvider(named) === undefined ? resolveRegistryProvider(named) : undefined;
    const provider = resolveProvider(named) ?? registryProvider;
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
    if (provider === undefined) return fail(404, 'route-not-found', `unknown webhook provider ${JSON.stringify(named.slice(0, 40))}`, 'unknown_provider');
    const secret = deps.webhooks.secretOf(provider);
    if (!secret) {
      return fail(401, 'unauthorized', `no webhook secret is configured for ${provider}: set ${webhookSecretVariables(provider).join(' or ')}`, 'not_configured');
    }

    const refuse = (rejection: Rejected): never => {
      deps.log.info({ provider, status: rejection.status, reason: rejection.reason }, 'webhook delivery rejected');
      return fail(rejection.status, problemOfStatus[rejection.status] ?? 'invalid-request', rejection.reason, resultOfStatus[rejection.status] ?? 'invalid');
    };
    // Named in hints, e.g. a Bitbucket Cloud hook saved without a secret: what to set it to.
    const secretName = webhookSecretVariables(provider).join(' or ');
    const checked = checkBeforeBody(provider, request.headers, { secret, maxBodyBytes, secretName });
    if (checked.kind === 'rejected') return refuse(checked);

    const read = readWebhookBody(request, checked, { maxBodyBytes, budget });
    try {
      const reading = await read.reading;
      if (reading.kind === 'aborted') {
        count('aborted');
        return;
      }
      if (reading.kind === 'over-budget') {
        deps.log.warn({ provider, inflightBytes: budget.inUse, maxInflightBytes: budget.maxBytes }, 'webhook delivery refused: the in-flight byte budget is spent');
        return fail(503, 'unavailable', `too many webhook bytes are being read at once; retry in ${busyRetryAfterSeconds}s`, 'busy',
          { 'Retry-After': String(busyRetryAfterSeconds) });
      }
      if (reading.kind === 'rejected') return refuse(reading.rejection);
      if (registryProvider !== undefined) {
        const pushed = parseRegistryWebhook(registryProvider, request.headers, reading.body, { secret, maxBodyBytes });
        if (pushed.kind === 'rejected') return refuse(pushed);
        if (pushed.kind === 'ignored') {
          count('ignored');
          response.status(202).json({ provider, event: 'ignored', reason: pushed.reason, queued: [] });
          return;
        }
        if (pushed.deliveryId !== undefined && !(await deps.deliveries.claim(provider, pushed.deliveryId))) {
          count('duplicate');
          response.status(202).json({ provider, deliveryId: pushed.deliveryId, duplicate: true, queued: [] });
          return;
        }
        const { queued, skipped } = applicationsOfArtifacts(pushed.events, deps.registry.list());
        try {
          // No revision: the reconcile resolves its own targetRevision; a push only says "look now".
          for (const entry of queued) await deps.queue.enqueue({ app: entry.app, reason: 'webhook', requestedBy: `webhook:${provider}` });
        } catch (error) {
          if (pushed.deliveryId !== undefined) await deps.deliveries.release(provider, pushed.deliveryId).catch(() => undefined);
          count('error');
          throw error;
        }
        count('accepted');
        deps.log.info({ provider, deliveryId: pushed.deliveryId, queued: queued.map((entry) => entry.app), skipped }, 'registry webhook delivery accepted');
        response.status(202).json({ provider, ...(pushed.deliveryId ? { deliveryId: pushed.deliveryId } : {}), queued, skipped });
        return;
      }
      const result = parseWebhook(provider, request.headers, reading.body, { secret, maxBodyBytes, secretName });
      if (result.kind === 'rejected') return refuse(result);
      if (result.kind !== 'push') {
        count(result.kind);
        response.status(202).json({ provider, event: result.kind, reason: result.reason, queued: [] });
        return;
      }

      const deliveryId = result.deliveryId;
      if (deliveryId !== undefined && !(await deps.deliveries.claim(provider, deliveryId))) {
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
            requestedBy: `webhook:${provider}${deliveryId ? `:${deliveryId.slice(0, 100)}` : ''}`,
          });
        }
      } catch (error) {
        if (deliveryId !== undefined) await deps.deliveries.release(provider, deliveryId).catch(() => undefined);
        count('error');
        throw error;
      }
      count('accepted');
      deps.log.info({ provider, deliveryId, queued: queued.map((entry) => entry.app), skipped }, 'webhook delivery accepted');
      response.status(202).json({ provider, deliveryId, queued, skipped });
    } finally {
      read.release();
    }
  });
}
