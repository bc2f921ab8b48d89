/**
 * The console's cookie, read and written by hand (one cookie; no dependency
 * needed). `HttpOnly` so script never sees it, `SameSite=Strict` so no other
 * site's page sends it, `Secure` when the request came over TLS or the operator
 * says a TLS proxy is in front.
 */
import type { Request } from 'express';

export const sessionCookieName = 'berth_session';

/** The value of one cookie in a `Cookie` header, or undefined. A malformed header is no cookie. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

export function sessionCookieOf(request: Request): string | undefined {
  return cookieValue(request.headers.cookie, sessionCookieName);
}

export interface CookieOptions {
  secure: boolean;
  /** Seconds; 0 clears the cookie. */
  maxAgeSeconds: number;
}

export function sessionCookie(value: string, options: CookieOptions): string {
  const parts = [`${sessionCookieName}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.max(0, Math.round(options.maxAgeSeconds))}`];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', { secure, maxAgeSeconds: 0 });
}
