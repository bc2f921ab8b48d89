/**
 * ChartSources against real HTTP servers on loopback (a static Helm repository,
 * test/harness/registry.ts): the index is fetched once for every Application
 * sharing it and revalidated by ETag; an oversized index and an archive that does
 * not match the index's digest are refused by name; a redirect to another origin
 * is followed without the credentials.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { dump } from 'js-yaml';
import { writeTarGz } from '../../src/source/helm-archive.ts';
import { credentialTableFromSecret } from '../../src/source/helm-credentials.ts';
import { ChartSources } from '../../src/source/helm-source.ts';
import { startHelmRepoServer, type HelmRepoServer } from '../harness/registry.ts';

const chart = (version: string): Buffer => writeTarGz([
  { path: 'web/Chart.yaml', data: `apiVersion: v2\nname: web\nversion: ${version}\n` },
  { path: 'web/templates/cm.yaml', data: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\n' },
]);
const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function repo(t: TestContext, entries: object[], files: Record<string, Buffer> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-helm-repo-unit-'));
  t.after(() => { fs.rmSync(dir, { recursive: true, force: true }); });
  fs.writeFileSync(path.join(dir, 'index.yaml'), dump({ apiVersion: 'v1', entries: { web: entries } }));
  for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), data);
  return dir;
}

async function served(t: TestContext, dir: string, user?: { username: string; password: string }): Promise<HelmRepoServer> {
  const server = await startHelmRepoServer(dir, user);
  t.after(async () => { await server.close(); });
  return server;
}

function sources(t: TestContext, options: Partial<ConstructorParameters<typeof ChartSources>[0]> = {}): ChartSources {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-chart-cache-'));
  t.after(() => { fs.rmSync(cacheDir, { recursive: true, force: true }); });
  return new ChartSources({ cacheDir, ...options });
}

describe('Helm repository sources over HTTP', () => {
  it('reads the index once for every Application sharing it, then revalidates it by ETag', async (t) => {
    const archive = chart('1.0.0');
    const server = await served(t, repo(t, [{ name: 'web', version: '1.0.0', urls: ['web-1.0.0.tgz'], digest: sha(archive) }], { 'web-1.0.0.tgz': archive }));
    const charts = sources(t, { indexMaxAgeMs: 60_000 });
    const resolved = await Promise.all(Array.from({ length: 20 }, () => charts.bind({ repoURL: server.url, chart: 'web', credentials: [] }).resolveRevision(undefined, '^1')));
    assert.ok(resolved.every((revision) => revision.commit === `sha256:${sha(archive)}` && revision.tag === '1.0.0'));
    assert.deepEqual(server.requests, ['GET /index.yaml 200'], '20 Applications, one index request');
    await charts.helmIndex(server.url, [], 0);
    assert.deepEqual(server.requests, ['GET /index.yaml 200', 'GET /index.yaml 304']);

    const bound = charts.bind({ repoURL: server.url, chart: 'web', credentials: [] });
    const fetched = await bound.fetch(undefined, resolved[0] ?? { commit: '' });
    assert.equal(fetched.transferred, true);
    const tree = await bound.tree(undefined, fetched.commit);
    assert.equal((await tree.readFile('templates/cm.yaml')).toString(), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\n');
    assert.equal((await bound.fetch(undefined, { commit: fetched.commit })).transferred, false, 'cached by digest');
  });

  it('refuses an oversized index and an archive that does not match its digest', async (t) => {
    const big = repo(t, Array.from({ length: 5000 }, (_, index) => ({ name: 'web', version: `1.0.${index}`, urls: [`web-1.0.${index}.tgz`] })));
    const server = await served(t, big);
    await assert.rejects(sources(t, { maxIndexBytes: 64 * 1024 }).bind({ repoURL: server.url, chart: 'web', credentials: [] }).resolveRevision(undefined, '*'),
      { name: 'InvalidSourceError', reason: 'FetchTooLarge', message: /index.yaml: the server sent more than 65536 bytes/ });

    const swapped = await served(t, repo(t, [{ name: 'web', version: '1.0.0', urls: ['web-1.0.0.tgz'], digest: sha(chart('9.9.9')) }], { 'web-1.0.0.tgz': chart('1.0.0') }));
    const bound = sources(t).bind({ repoURL: swapped.url, chart: 'web', credentials: [] });
    const revision = await bound.resolveRevision(undefined, '1.0.0');
    await assert.rejects(bound.fetch(undefined, revision), { reason: 'InvalidManifest', message: /does not match the digest sha256:[a-f0-9]{64} the index lists/ });
  });

  it('sends credentials to the repository, and none across a redirect to another origin', async (t) => {
    const archive = chart('1.0.0');
    const seen: (string | undefined)[] = [];
    const storage = http.createServer((request, response) => { seen.push(request.headers.authorization); response.writeHead(200).end(archive); });
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
    t.after(() => { storage.close(); });
    const other = `http://localhost:${(storage.address() as AddressInfo).port}/blob`;
    const dir = repo(t, [{ name: 'web', version: '1.0.0', urls: ['web-1.0.0.tgz'], digest: sha(archive) }]);
    const front = http.createServer((request, response) => {
      seen.push(request.headers.authorization);
      if (request.url === '/index.yaml') response.writeHead(200).end(fs.readFileSync(path.join(dir, 'index.yaml')));
      else response.writeHead(302, { location: other }).end();
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    t.after(() => { front.close(); });
    const url = `http://127.0.0.1:${(front.address() as AddressInfo).port}/`;
    const credentials = credentialTableFromSecret('apps/charts', { username: 'u', password: 'p' }, undefined, url);
    const bound = sources(t).bind({ repoURL: url, chart: 'web', credentials });
    await bound.fetch(undefined, await bound.resolveRevision(undefined, '1.0.0'));
    const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
    assert.deepEqual(seen, [basic, basic, undefined], 'index and archive request with credentials; the other origin without');
  });
});
