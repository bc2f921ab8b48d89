/**
 * Who is asking: a bearer token (CLI, scripts; unchanged, no CSRF), the console's
 * session cookie, or nobody (public reads). A cookie alone may read; an unsafe
 * request (POST, PUT, PATCH, DELETE) with the cookie must also carry the
 * session's CSRF token in `X-Berth-CSRF`, which another site cannot read, so a
 * forged form or fetch from elsewhere is refused even if a browser sent the
 * cookie. A session is honoured only while the token that opened it still grants
 * its role: removing a token from the configuration ends its sessions.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { tokenDigest, type Access } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { clearedSessionCookie, sessionCookieOf } from './cookies.ts';
import type { ConsoleSession, SessionStore } from './session-store.ts';

export const csrfHeader = 'x-berth-csrf';

export type Principal =
  | { via: 'cookie'; role: Access; id: string; session: ConsoleSession }
  | { via: 'bearer'; role: Access; tokenDigest: Buffer }
  | { via: 'public'; role: 'read' };

export interface SessionAuthOptions {
  sessions: SessionStore | undefined;
  /** The role a token or token digest grants now (auth.ts createTokenRoles). */
  roleOf: (given: string | Buffer) => Access | undefined;
  publicRead: boolean;
  secureCookies: boolean;
  now: () => number;
}

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isUnsafe(method: string): boolean {
  return unsafeMethods.has(method.toUpperCase());
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function hasValidCsrf(request: Request, session: ConsoleSession): boolean {
  const given = request.headers[csrfHeader];
  return typeof given === 'string' && sameText(given, session.csrfToken);
}

function bearerOf(header: string | undefined): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')?.[1];
}

const expired = 'the console session is not valid or has expired; sign in again (POST /api/v1/session)';

/**
 * The principal of a request, undefined when it names none (no header, no
 * cookie), or an HttpError when what it presents is not valid. A bearer header
 * wins over a cookie.
 */
export async function principalOf(request: Request, response: Response, options: SessionAuthOptions): Promise<Principal | HttpError | undefined> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const token = bearerOf(header);
    const role = token === undefined ? undefined : options.roleOf(token);
    if (token === undefined || role === undefined) return new HttpError(401, 'unauthorized', 'the bearer token is not valid', { headers: { 'WWW-Authenticate': 'Bearer realm="berth"' } });
    return { via: 'bearer', role, tokenDigest: tokenDigest(token) };
  }
  const id = sessionCookieOf(request);
  if (id !== undefined && id !== '' && options.sessions) {
    const session = await options.sessions.get(id, new Date(options.now()));
    // The token that opened it must still grant the same role.
    const current = session ? options.roleOf(Buffer.from(session.tokenDigest, 'hex')) : undefined;
    if (!session || current !== session.role) {
      response.append('Set-Cookie', clearedSessionCookie(options.secureCookies || request.secure));
      return new HttpError(401, 'unauthorized', expired);
    }
    return { via: 'cookie', role: session.role, id, session };
  }
  return options.publicRead ? { via: 'public', role: 'read' } : undefined;
}

/**
 * The guard of a route: a bearer header goes to the existing bearer middleware
 * (its answers are unchanged); a cookie is checked here, CSRF included.
 */
export function withSessions(bearer: (access: Access) => RequestHandler, options: SessionAuthOptions): (access: Access) => RequestHandler {
  return (access) => {
    const viaBearer = bearer(access);
    return (request, response, next) => {
      if (request.headers.authorization !== undefined || sessionCookieOf(request) === undefined || !options.sessions) {
        viaBearer(request, response, next);
        return;
      }
      principalOf(request, response, options).then((principal) => {
        if (principal instanceof HttpError) {
          // A stale cookie on a public read is no reason to refuse the read.
          if (access === 'read' && options.publicRead && !isUnsafe(request.method)) next();
          else next(principal);
          return;
        }
        if (principal?.via !== 'cookie') {
          viaBearer(request, response, next);
          return;
        }
        if (isUnsafe(request.method) && !hasValidCsrf(request, principal.session)) {
          next(new HttpError(403, 'forbidden', `a request made with the console session cookie that changes something needs the ${csrfHeader} header with the session's csrfToken (GET /api/v1/session)`));
          return;
        }
        if (access === 'admin' && principal.role !== 'admin') {
          next(new HttpError(403, 'forbidden', 'this route changes things and needs an admin session; this session may only read'));
          return;
        }
        response.locals.principal = principal;
        next();
      }, next);
    };
  };
}
