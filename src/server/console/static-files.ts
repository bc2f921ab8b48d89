/**
 * The built console (console/dist, from `npm run build:console`) served at `/`
 * by the controller's own listener: nothing fetched from elsewhere, so it works
 * offline. Hashed asset names (esbuild's `[name]-[hash]`) never change content
 * and are cached for a year, immutable; index.html and every other file are
 * revalidated (`no-cache`) so a new version shows on the next load. A path with
 * no file extension outside the API is a client-side route and gets index.html.
 * Without a build, `/` says how to make one; the API is unaffected.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';

/** console/dist of this package (src/server/console → ../../../console/dist). */
export const defaultDistDir = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

export const notBuiltMessage = 'The Berth console is not built. Run: npm run build:console\n(The API under /api/v1 works without it.)\n';

/** `app-5XNFDQ3A.js` (esbuild, base32) or `app-3f2a9c1b.css` (hex): content-addressed. */
export function isHashedAssetName(file: string): boolean {
  const base = path.basename(file);
  return /-[A-Z2-7]{8,}\.[A-Za-z0-9]+$/.test(base) || /-(?=[0-9a-f]*\d)[0-9a-f]{8,}\.[A-Za-z0-9]+$/.test(base);
}

const apiPrefixes = ['/api/', '/webhooks/', '/metrics', '/healthz', '/readyz'];

function isClientRoute(requestPath: string): boolean {
  if (apiPrefixes.some((prefix) => requestPath === prefix.replace(/\/$/, '') || requestPath.startsWith(prefix))) return false;
  return !path.posix.basename(requestPath).includes('.');
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then((info) => info.isFile(), () => false);
}

export function serveConsole(distDir: string = defaultDistDir): RequestHandler[] {
  const files = express.static(distDir, {
    index: false,
    dotfiles: 'ignore',
    fallthrough: true,
    redirect: false,
    setHeaders(response, file) {
      response.setHeader('Cache-Control', isHashedAssetName(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const index = path.join(distDir, 'index.html');
  const clientRoutes: RequestHandler = (request, response, next) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !isClientRoute(request.path)) {
      next();
      return;
    }
    exists(index).then((found) => {
      if (!found) {
        response.status(404).set('Cache-Control', 'no-cache').type('text/plain; charset=utf-8').send(notBuiltMessage);
        return;
      }
      response.set('Cache-Control', 'no-cache');
      response.sendFile(index, (error) => { if (error) next(error); });
    }, next);
  };
  return [files, clientRoutes];
}
