import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { withSecurityHeaders } from './security-headers.ts';
import { isHashedAssetName, notBuiltMessage, serveConsole } from './static-files.ts';

async function serve(distDir: string): Promise<{ base: string; close(): Promise<void> }> {
  const app = express();
  app.use(withSecurityHeaders);
  app.get('/api/v1/ping', (_request, response) => { response.json({ ok: true }); });
  app.use(serveConsole(distDir));
  app.use((_request, response) => { response.status(404).type('text/plain').send('no route'); });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => { server.close(() => { resolve(); }); }) };
}

describe('the console\'s static files', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'berth-console-dist-'));
  const dist = path.join(root, 'dist');
  let built: { base: string; close(): Promise<void> };
  let missing: { base: string; close(): Promise<void> };
  before(async () => {
    mkdirSync(path.join(dist, 'assets'), { recursive: true });
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><script type="module" src="/assets/app-5XNFDQ3A.js"></script>');
    writeFileSync(path.join(dist, 'assets', 'app-5XNFDQ3A.js'), 'console.log(1)');
    writeFileSync(path.join(dist, 'assets', 'app-5XNFDQ3A.css'), 'body{}');
    writeFileSync(path.join(dist, 'favicon.svg'), '<svg/>');
    writeFileSync(path.join(dist, '.env'), 'SECRET=1');
    writeFileSync(path.join(root, 'outside.txt'), 'outside');
    built = await serve(dist);
    missing = await serve(path.join(root, 'not-built'));
  });
  after(async () => { await built.close(); await missing.close(); rmSync(root, { recursive: true, force: true }); });

  it('serves index.html at / and at client-side routes, revalidated every time', async () => {
    for (const route of ['/', '/applications/team-a/web', '/applications/team-a/web/drift']) {
      const response = await fetch(`${built.base}${route}`);
      assert.equal(response.status, 200, route);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
      assert.equal(response.headers.get('cache-control'), 'no-cache');
      assert.match(await response.text(), /app-5XNFDQ3A\.js/);
    }
  });

  it('caches hashed assets for a year, immutable, and other files not at all', async () => {
    const asset = await fetch(`${built.base}/assets/app-5XNFDQ3A.js`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.equal((await fetch(`${built.base}/favicon.svg`)).headers.get('cache-control'), 'no-cache');
  });

  it('sends the strict headers with every file', async () => {
    const response = await fetch(`${built.base}/`);
    assert.match(response.headers.get('content-security-policy') ?? '', /^default-src 'none'; script-src 'self'; style-src 'self';/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
  });

  it('never shadows the API, serves no dotfile, and nothing outside its folder', async () => {
    assert.deepEqual(await (await fetch(`${built.base}/api/v1/ping`)).json(), { ok: true });
    assert.equal((await fetch(`${built.base}/api/v1/nothing`)).status, 404, 'an unknown API path is no client route');
    assert.equal((await fetch(`${built.base}/.env`)).status, 404);
    for (const probe of ['/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt']) {
      const response = await fetch(`${built.base}${probe}`);
      assert.ok(!(await response.text()).includes('outside'), probe);
    }
    assert.equal((await fetch(`${built.base}/assets/missing-5XNFDQ3A.js`)).status, 404, 'a missing asset is not index.html');
  });

  it('says how to build the console when it is not built, and the API still answers', async () => {
    const response = await fetch(`${missing.base}/`);
    assert.equal(response.status, 404);
    assert.equal(await response.text(), notBuiltMessage);
    assert.match(notBuiltMessage, /npm run build:console/);
    assert.deepEqual(await (await fetch(`${missing.base}/api/v1/ping`)).json(), { ok: true });
  });

  it('tells hashed names from plain ones', () => {
    assert.equal(isHashedAssetName('/x/app-5XNFDQ3A.js'), true);
    assert.equal(isHashedAssetName('chunk-3f2a9c1b.css'), true);
    assert.equal(isHashedAssetName('index.html'), false);
    assert.equal(isHashedAssetName('app-settings.js'), false);
    assert.equal(isHashedAssetName('favicon.svg'), false);
  });
});
