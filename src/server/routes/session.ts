/**
 * Sign-in for the console: POST /api/v1/session trades an API token for a
 * session cookie (the token is checked, never stored, never echoed); GET says
 * who the caller is, so the console can hide what it may not do; DELETE signs
 * out. Sign-in attempts are rate limited per address (rate-limit.ts), so the
 * endpoint is no faster a way to guess a token than the API itself.
 */
import express, { type Express, type RequestHandler } from 'express';
import { z } from 'zod';
import { tokenDigest } from '../auth.ts';
import type { ServerDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { createRateLimiter } from '../rate-limit.ts';
import { parseRequest } from '../validation.ts';
import { clearedSessionCookie, sessionCookie, sessionCookieOf } from '../console/cookies.ts';
import { consoleDefaults, type ConsoleDeps } from '../console/deps.ts';
import { hasValidCsrf, principalOf, type Principal, type SessionAuthOptions } from '../console/session-auth.ts';

export const signInBody = z.strictObject({ token: z.string().min(1).max(4096) });

function answerOf(principal: Principal, publicRead: boolean): Record<string, unknown> {
  if (principal.via === 'cookie') {
    return { role: principal.role, via: 'cookie', csrfToken: principal.session.csrfToken, expiresAt: principal.session.expiresAt, publicRead };
  }
  return { role: principal.role, via: principal.via, publicRead };
}

export function registerSessionRoutes(app: Express, deps: ServerDeps, consoleDeps: ConsoleDeps, auth: SessionAuthOptions): void {
  const now = deps.now ?? Date.now;
  const limited = createRateLimiter(consoleDeps.signInRateLimit ?? consoleDefaults.signInRateLimit, now);
  const noStore: RequestHandler = (_request, response, next) => { response.set('Cache-Control', 'no-store'); next(); };
  const onlyJson: RequestHandler = (request, _response, next) => {
    next(request.is('application/json') === false || request.is('application/json') === null
      ? new HttpError(415, 'unsupported-media-type', 'the sign-in body must be application/json: {"token": "<token>"}')
      : undefined);
  };
  const sessions = (): NonNullable<ConsoleDeps['sessions']> => {
    if (!consoleDeps.sessions) throw new HttpError(503, 'unavailable', 'console sessions need Redis, which this server was not given; use a bearer token');
    return consoleDeps.sessions;
  };

  app.post('/api/v1/session', noStore, (request, response, next) => {
    const decision = limited(request.socket.remoteAddress ?? 'unknown');
    if (!decision.allowed) {
      next(new HttpError(429, 'rate-limited', `too many sign-in attempts from this address; try again in ${decision.retryAfterSeconds} s`, { headers: { 'Retry-After': String(decision.retryAfterSeconds) } }));
      return;
    }
    next();
  }, onlyJson, express.json({ limit: '8kb' }), async (request, response) => {
    const { token } = parseRequest(signInBody, request.body ?? {}, 'body');
    const role = auth.roleOf(token);
    if (role === undefined) {
      deps.log.warn({ address: request.socket.remoteAddress }, 'console sign-in refused: the token is not valid');
      throw new HttpError(401, 'unauthorized', 'the token is not valid');
    }
    const { id, session } = await sessions().create(role, tokenDigest(token), new Date(now()));
    response.append('Set-Cookie', sessionCookie(id, { secure: auth.secureCookies || request.secure, maxAgeSeconds: (Date.parse(session.expiresAt) - now()) / 1000 }));
    deps.log.info({ role }, 'console session opened');
    response.status(201).json(answerOf({ via: 'cookie', role, id, session }, auth.publicRead));
  });

  app.get('/api/v1/session', noStore, async (request, response) => {
    const principal = await principalOf(request, response, auth);
    // A stale cookie where reads are public: the caller reads as anyone may (the cookie is cleared).
    if (principal instanceof HttpError && auth.publicRead && request.headers.authorization === undefined) {
      response.json(answerOf({ via: 'public', role: 'read' }, true));
      return;
    }
    if (principal instanceof HttpError) throw principal;
    if (principal === undefined) throw new HttpError(401, 'unauthorized', 'not signed in: POST /api/v1/session with {"token": "<token>"}, or send Authorization: Bearer <token>');
    response.json(answerOf(principal, auth.publicRead));
  });

  app.delete('/api/v1/session', noStore, async (request, response) => {
    const id = sessionCookieOf(request);
    if (id && consoleDeps.sessions) {
      const session = await consoleDeps.sessions.get(id, new Date(now()));
      if (session) {
        // Signing out is a change: a page of another site must not be able to do it either.
        if (!hasValidCsrf(request, session)) throw new HttpError(403, 'forbidden', 'signing out needs the x-berth-csrf header with the session\'s csrfToken');
        await consoleDeps.sessions.delete(id);
      }
    }
    response.append('Set-Cookie', clearedSessionCookie(auth.secureCookies || request.secure));
    response.status(204).end();
  });
}
