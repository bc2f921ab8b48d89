/**
 * GET /api/v1/events: the console's live updates as Server-Sent Events, fed by
 * this replica's one reader of the change stream (console/change-feed.ts), so a
 * change on any replica reaches every open page within the XREAD that is
 * already waiting. A reconnecting browser sends Last-Event-ID and gets what it
 * missed, or `hello` with `resync: true` when that is no longer kept. Heartbeat
 * comments keep proxies from closing an idle stream; each session (or token,
 * or address) may hold a few streams at once, so one client cannot pin a
 * replica's memory with thousands.
 */
import { createHash } from 'node:crypto';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { RegisteredApp } from '../../application/app-registry.ts';
import { isApplicationKey } from '../../queue/reconcile-job.ts';
import type { ServerDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { fallbackSummary, rowOf } from '../console/app-summary.ts';
import { compareStreamIds, streamIdPattern, type FeedEvent } from '../console/change-feed.ts';
import { consoleDefaults, type ConsoleDeps } from '../console/deps.ts';
import type { Principal } from '../console/session-auth.ts';

/** Who a stream counts against: the session, the token, or the address. */
function streamOwner(request: Request, response: Response): string {
  const principal = response.locals.principal as Principal | undefined;
  if (principal?.via === 'cookie') return `session:${principal.id}`;
  const header = request.headers.authorization;
  if (header) return `bearer:${createHash('sha256').update(header).digest('hex')}`;
  return `address:${request.socket.remoteAddress ?? 'unknown'}`;
}

export function registerEventRoutes(app: Express, deps: ServerDeps, consoleDeps: ConsoleDeps, read: RequestHandler): void {
  const open = new Map<string, number>();
  const cap = consoleDeps.maxStreamsPerPrincipal ?? consoleDefaults.maxStreamsPerPrincipal;
  const heartbeatMs = consoleDeps.heartbeatMs ?? consoleDefaults.heartbeatMs;

  app.get('/api/v1/events', read, async (request, response) => {
    const feed = consoleDeps.feed;
    if (!feed) throw new HttpError(503, 'unavailable', 'live updates need the change feed in Redis, which this server was not given; reload to refresh');
    const only = typeof request.query.app === 'string' ? request.query.app : undefined;
    if (request.query.app !== undefined && (only === undefined || !isApplicationKey(only))) {
      throw new HttpError(400, 'invalid-request', 'query.app: must be <namespace>/<name> with DNS-1123 names');
    }
    const owner = streamOwner(request, response);
    const count = open.get(owner) ?? 0;
    if (count >= cap) throw new HttpError(429, 'rate-limited', `at most ${cap} event streams at once per session; close another tab's stream first`, { headers: { 'Retry-After': '5' } });
    open.set(owner, count + 1);

    const lastEventId = request.headers['last-event-id'];
    const since = typeof lastEventId === 'string' && streamIdPattern.test(lastEventId) ? lastEventId : undefined;
    let lastSent = since ?? '0-0';
    const pending: FeedEvent[] = [];
    let replaying = true;

    const rowFor = (key: string): ReturnType<typeof rowOf> | undefined => {
      const registered: RegisteredApp | undefined = deps.registry.get(key);
      if (!registered) return undefined;
      return rowOf(registered, consoleDeps.summaries?.summary(key) ?? fallbackSummary(registered));
    };
    const send = (event: FeedEvent): void => {
      if (compareStreamIds(event.id, lastSent) <= 0) return;
      lastSent = event.id;
      if (only !== undefined && event.app !== only) return;
      const row = rowFor(event.app);
      // An Application this replica does not serve (another controller's namespace) is not told about.
      if (!row) return;
      response.write(`id: ${event.id}\nevent: app\ndata: ${JSON.stringify({ key: event.app, changed: [event.changed], row })}\n\n`);
    };
    // Subscribed before the replay, so nothing falls between the two; send() drops what was already sent.
    const unsubscribe = feed.subscribe((event) => {
      if (replaying) pending.push(event);
      else send(event);
    });
    // A stream outlives no session: each heartbeat checks that the session is still there (signed out, expired,
    // its token removed) and ends the stream if not; the browser's reconnect then gets the 401.
    const principal = response.locals.principal as Principal | undefined;
    const now = deps.now ?? Date.now;
    const stillSignedIn = async (): Promise<boolean> => {
      if (principal?.via !== 'cookie' || !consoleDeps.sessions) return true;
      const session = await consoleDeps.sessions.get(principal.id, new Date(now())).catch(() => principal.session);
      return session !== undefined && Date.parse(session.expiresAt) > now();
    };
    const heartbeat = setInterval(() => {
      void stillSignedIn().then((signedIn) => {
        if (signedIn) response.write(': heartbeat\n\n');
        else response.end();
      });
    }, heartbeatMs);
    heartbeat.unref();
    const stream = { closed: false };
    request.on('close', () => {
      stream.closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      const left = (open.get(owner) ?? 1) - 1;
      if (left <= 0) open.delete(owner);
      else open.set(owner, left);
    });

    response.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    response.flushHeaders();
    response.write('retry: 2000\n\n');
    let missed: FeedEvent[] | undefined = [];
    if (since !== undefined) {
      missed = await feed.replay(since).catch((error: unknown) => {
        deps.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'console: events since Last-Event-ID not read');
        return undefined;
      });
    }
    if (stream.closed) return;
    response.write(`event: hello\ndata: ${JSON.stringify({ resync: missed === undefined })}\n\n`);
    for (const event of missed ?? []) send(event);
    replaying = false;
    for (const event of pending.splice(0)) send(event);
  });
}
