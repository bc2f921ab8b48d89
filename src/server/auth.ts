/**
 * Bearer-token authentication of the API. Two lists of tokens: admin tokens may
 * do everything, read tokens may read; reads may also be public. Mutating
 * routes always need an admin token. Tokens are compared in constant time (the
 * SHA-256 of both sides, so lengths leak nothing either) and never logged or
 * echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './errors.ts';

export interface AuthOptions {
  adminTokens: readonly string[];
  readTokens: readonly string[];
  /** Reads need no token. */
  publicRead: boolean;
}

export type Access = 'read' | 'admin';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

function matchesDigest(given: Buffer, digests: readonly Buffer[]): boolean {
  // Every candidate is compared, so timing does not tell which list or position matched.
  let found = false;
  for (const candidate of digests) found = timingSafeEqual(given, candidate) || found;
  return found;
}

function matchesAny(token: string, digests: readonly Buffer[]): boolean {
  return matchesDigest(digest(token), digests);
}

function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

const challenge = { 'WWW-Authenticate': 'Bearer realm="berth"' };

/** The SHA-256 of a token, as the session store keeps it (so a session dies with its token). */
export const tokenDigest = digest;

/**
 * The role a token (or a token's digest) grants now, or undefined: the console's
 * sign-in and its sessions use it, so a token removed from the configuration
 * ends the sessions it opened.
 */
export function createTokenRoles(options: AuthOptions): (given: string | Buffer) => Access | undefined {
  const admin = options.adminTokens.filter(Boolean).map(digest);
  const read = options.readTokens.filter(Boolean).map(digest);
  return (given) => {
    const hashed = typeof given === 'string' ? digest(given) : given;
    if (hashed.length !== 32) return undefined;
    if (matchesDigest(hashed, admin)) return 'admin';
    if (matchesDigest(hashed, read)) return 'read';
    return undefined;
  };
}

/** Middleware factories: `require('read')`, `require('admin')`. */
export function createAuth(options: AuthOptions): (access: Access) => RequestHandler {
  const admin = options.adminTokens.filter(Boolean).map(digest);
  const read = options.readTokens.filter(Boolean).map(digest);
  return (access) => (request, _response, next) => {
    if (access === 'read' && options.publicRead) {
      next();
      return;
    }
    const token = bearerOf(request.headers.authorization);
    if (token === undefined) {
      next(new HttpError(401, 'unauthorized', `this route needs a bearer token with ${access} access (Authorization: Bearer <token>)`, { headers: challenge }));
      return;
    }
    if (matchesAny(token, admin)) {
      next();
      return;
    }
    if (matchesAny(token, read)) {
      if (access === 'read') next();
      else next(new HttpError(403, 'forbidden', 'this route changes things and needs an admin token; the token given may only read'));
      return;
    }
    next(new HttpError(401, 'unauthorized', 'the bearer token is not valid', { headers: challenge }));
  };
}
