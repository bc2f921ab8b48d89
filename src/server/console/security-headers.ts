/**
 * The headers every answer of the controller carries, strict because the
 * console is the one page a browser shows: scripts, styles and connections
 * only from this origin, no inline script and no eval (`script-src 'self'`
 * without 'unsafe-*'), not framed by anyone (clickjacking), no MIME sniffing,
 * no referrer leaving the page. Harmless on the JSON API, so applied to all.
 */
import type { RequestHandler } from 'express';

export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export const withSecurityHeaders: RequestHandler = (_request, response, next) => {
  response.set(securityHeaders);
  next();
};
