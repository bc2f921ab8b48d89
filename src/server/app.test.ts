import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createAppRegistry } from '../application/app-registry.ts';
import { createLogger } from '../log.ts';
import type { ReconcileJob } from '../queue/reconcile-job.ts';
import { githubHeaders, githubPushBody } from '../../test/server/github-delivery.ts';
import { createApp, type ServerDeps } from './app.ts';
import type { DeliveryLog } from './delivery-log.ts';
import { openApiDocument } from './openapi.ts';
import type { StatusReader, StoredDrift, StoredStatus } from './status-store.ts';

const adminToken = 'admin-token-1';
const readToken = 'read-token-1';
const secret = 'webhook-secret';
const repoURL = 'https://git.example.com/team/deploy.git';

function application(name: string, automated: boolean, path = `apps/${name}`): unknown {
  return {
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace: 'shop' },
    spec: {
      source: { repoURL, targetRevision: 'main', path },
      destination: { namespace: 'shop' },
      syncPolicy: automated ? { automated: { prune: true } } : {},
    },
  };
}

const history = [
  { id: 1, revision: 'a'.repeat(40), initiator: 'auto' as const, phase: 'Succeeded' as const, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:05Z', message: 'synced' },
  { id: 2, revision: 'b'.repeat(40), initiator: 'auto' as const, phase: 'Failed' as const, startedAt: '2026-01-02T00:00:00Z', finishedAt: '2026-01-02T00:00:05Z', message: 'failed' },
];

interface Harness {
  base: string;
  jobs: ReconcileJob[];
  logs: string[];
  metrics: [string, string][];
  clock: { now: number };
}

function startServer(overrides: Partial<ServerDeps> = {}): Promise<Harness & { app: ReturnType<typeof createApp>; close(): Promise<void> }> {
  const registry = createAppRegistry();
  registry.upsert(application('web', false), 'file', 'test');
  registry.upsert(application('api', true), 'file', 'test');
  registry.upsert(application('other', false, 'elsewhere'), 'file', 'test');
  const statuses = new Map<string, StoredStatus>([['shop/web', {
    app: 'shop/web', updatedAt: '2026-01-02T00:00:06Z',
    status: {
      sync: { status: 'OutOfSync', revision: 'a'.repeat(40) }, health: { status: 'Healthy' }, history,
      resources: [{ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'web', status: 'OutOfSync', health: { status: 'Healthy' } }],
    },
  }]]);
  const drifts = new Map<string, StoredDrift>([['shop/web', {
    status: 'OutOfSync', revision: 'c'.repeat(40), checkedAt: '2026-01-02T00:00:06Z', counts: { Synced: 0, OutOfSync: 1, Missing: 0, Extraneous: 0 },
    objects: [{ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'web', status: 'OutOfSync', patch: [{ op: 'replace', path: '/data/value', value: 'v2' }], diff: '--- live/ConfigMap/shop/web\n+++ predicted/ConfigMap/shop/web\n-  value: v1\n+  value: v2\n' }],
    fallbacks: [], truncated: false,
  }]]);
  const reader: StatusReader = {
    status: (app) => Promise.resolve(statuses.get(app)),
    statuses: (apps) => Promise.resolve(new Map(apps.flatMap((app) => { const found = statuses.get(app); return found ? [[app, found] as const] : []; }))),
    drift: (app) => Promise.resolve(drifts.get(app)),
  };
  const claimed = new Set<string>();
  const deliveries: DeliveryLog = {
    claim: (provider, id) => {
      const key = `${provider}:${id}`;
      const first = !claimed.has(key);
      claimed.add(key);
      return Promise.resolve(first);
    },
    release: (provider, id) => { claimed.delete(`${provider}:${id}`); return Promise.resolve(); },
  };
  const harness: Harness = { base: '', jobs: [], logs: [], metrics: [], clock: { now: 1_000_000 } };
  const sink = new Writable({ write(chunk: Buffer, _encoding, done) { harness.logs.push(chunk.toString()); done(); } });
  const app = createApp({
    registry, statuses: reader, deliveries,
    queue: { enqueue: (job) => { harness.jobs.push(job); return Promise.resolve(); } },
    ready: () => Promise.resolve(),
    metrics: { render: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4', body: 'berth_up 1\n' }), webhookRequest: (provider, result) => { harness.metrics.push([provider, result]); } },
    auth: { adminTokens: [adminToken], readTokens: [readToken], publicRead: false },
    webhooks: { secretOf: (provider) => (provider === 'github' ? secret : undefined), maxBodyBytes: 64 * 1024, rateLimit: { perMinute: 600, burst: 600 } },
    log: createLogger('debug', sink),
    now: () => harness.clock.now,
    ...overrides,
  });
  const server = http.createServer(app);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      harness.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({ ...harness, app, close: () => new Promise<void>((done) => { server.close(() => { done(); }); }) });
    });
  });
}

const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

async function problemOf(response: Response): Promise<Record<string, unknown>> {
  assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  const problem = await response.json() as Record<string, unknown>;
  assert.equal(problem.status, response.status);
  for (const member of ['type', 'title', 'detail', 'instance']) assert.equal(typeof problem[member], 'string', member);
  assert.ok(!JSON.stringify(problem).includes('    at '), 'no stack trace');
  return problem;
}

describe('the status API', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => { server = await startServer(); });
  after(async () => { await server.close(); });

  it('lists Applications with sync status, health, revision and last sync time', async () => {
    const response = await fetch(`${server.base}/api/v1/applications`, { headers: auth(readToken) });
    assert.equal(response.status, 200);
    const { items } = await response.json() as { items: Record<string, unknown>[] };
    assert.deepEqual(items.map((item) => item.key), ['shop/api', 'shop/other', 'shop/web']);
    const web = items.find((item) => item.key === 'shop/web');
    assert.deepEqual([web?.sync, web?.health, web?.revision, web?.lastSyncAt], ['OutOfSync', 'Healthy', 'a'.repeat(40), '2026-01-02T00:00:05Z']);
    assert.equal(items.find((item) => item.key === 'shop/api')?.sync, 'Unknown');
  });

  it('asks for a token on reads, and refuses a bad one as a problem', async () => {
    const anonymous = await fetch(`${server.base}/api/v1/applications`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
    await problemOf(anonymous);
    const wrong = await fetch(`${server.base}/api/v1/applications`, { headers: auth('nope') });
    assert.equal(wrong.status, 401);
    assert.ok(!String((await problemOf(wrong)).detail).includes('nope'));
  });

  it('answers drift per object, with health, patch and diff, and as one text diff', async () => {
    const response = await fetch(`${server.base}/api/v1/namespaces/shop/applications/web/drift`, { headers: auth(readToken) });
    const drift = await response.json() as { status: string; objects: { name: string; health?: { status: string }; patch: unknown[]; diff: string }[] };
    assert.equal(drift.status, 'OutOfSync');
    assert.equal(drift.objects[0]?.health?.status, 'Healthy');
    assert.equal(drift.objects[0].patch.length, 1);
    const text = await fetch(`${server.base}/api/v1/namespaces/shop/applications/web/drift?format=text`, { headers: auth(readToken) });
    assert.match(text.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(text.headers.get('berth-sync-status'), 'OutOfSync');
    assert.match(await text.text(), /^--- live\/ConfigMap\/shop\/web\n\+\+\+ predicted/);
    const unknown = await fetch(`${server.base}/api/v1/namespaces/shop/applications/api/drift`, { headers: auth(readToken) });
    assert.equal((await unknown.json() as { status: string }).status, 'Unknown');
  });

  it('answers 404 for an unknown Application and 400 naming a malformed parameter', async () => {
    const missing = await fetch(`${server.base}/api/v1/namespaces/shop/applications/ghost`, { headers: auth(readToken) });
    assert.equal(missing.status, 404);
    assert.equal((await problemOf(missing)).type, 'https://berth.dev/problems/not-found');
    const malformed = await fetch(`${server.base}/api/v1/namespaces/Shop_1/applications/web`, { headers: auth(readToken) });
    assert.equal(malformed.status, 400);
    assert.match(String((await problemOf(malformed)).detail), /path\.name: namespace and name must be DNS-1123/);
    const format = await fetch(`${server.base}/api/v1/namespaces/shop/applications/web/drift?format=html`, { headers: auth(readToken) });
    assert.equal(format.status, 400);
    assert.match(String((await problemOf(format)).detail), /query\.format/);
  });

  it('returns history newest first, and resources', async () => {
    const response = await fetch(`${server.base}/api/v1/namespaces/shop/applications/web/history`, { headers: auth(readToken) });
    assert.deepEqual((await response.json() as { items: { id: number }[] }).items.map((entry) => entry.id), [2, 1]);
    const resources = await fetch(`${server.base}/api/v1/namespaces/shop/applications/web/resources`, { headers: auth(readToken) });
    assert.equal((await resources.json() as { items: { name: string }[] }).items[0]?.name, 'web');
  });
});

describe('operations through the API', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => { server = await startServer(); });
  after(async () => { await server.close(); });
  const post = (path: string, body: unknown, token = adminToken): Promise<Response> => fetch(`${server.base}/api/v1/namespaces/shop/applications/${path}`, {
    method: 'POST', headers: { ...auth(token), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });

  it('queues a sync with its options and answers 202 with what was queued', async () => {
    const response = await post('web/sync', { revision: 'v2', prune: true });
    assert.equal(response.status, 202);
    const expected = { app: 'shop/web', reason: 'manual', requestedBy: 'api', operation: { kind: 'sync', revision: 'v2', prune: true } };
    assert.deepEqual(await response.json(), { queued: expected });
    assert.deepEqual(server.jobs.at(-1), expected);
  });

  it('needs an admin token to change anything', async () => {
    const before = server.jobs.length;
    const response = await post('web/sync', {}, readToken);
    assert.equal(response.status, 403);
    await problemOf(response);
    assert.equal(server.jobs.length, before);
  });

  it('refuses a sync to a revision and a rollback of an automated Application with 409, saying why', async () => {
    const sync = await post('api/sync', { revision: 'v2' });
    assert.equal(sync.status, 409);
    assert.match(String((await problemOf(sync)).detail), /automated sync.*next poll/);
    const rollback = await post('api/rollback', { revision: 'a'.repeat(40) });
    assert.equal(rollback.status, 409);
    const dryRun = await post('api/sync', { revision: 'v2', dryRun: true });
    assert.equal(dryRun.status, 202, 'a dry run changes nothing, so it is allowed');
  });

  it('rolls back to a history entry by id, and names the ids it keeps when one is unknown', async () => {
    const response = await post('web/rollback', { id: 1 });
    assert.equal(response.status, 202);
    assert.deepEqual(server.jobs.at(-1)?.operation, { kind: 'rollback', revision: 'a'.repeat(40) });
    const unknown = await post('web/rollback', { id: 9 });
    assert.equal(unknown.status, 404);
    assert.match(String((await problemOf(unknown)).detail), /no history entry 9 \(entries kept: 1, 2\)/);
  });

  it('validates bodies field by field', async () => {
    const response = await post('web/sync', { dryRun: 'yes', extra: 1 });
    assert.equal(response.status, 400);
    const problem = await problemOf(response);
    const fields = (problem.errors as { field: string }[]).map((error) => error.field);
    assert.ok(fields.includes('body.dryRun'), fields.join());
    const broken = await fetch(`${server.base}/api/v1/namespaces/shop/applications/web/sync`, {
      method: 'POST', headers: { ...auth(adminToken), 'content-type': 'application/json' }, body: '{"revision":',
    });
    assert.equal(broken.status, 400);
    assert.match(String((await problemOf(broken)).detail), /not valid JSON/);
  });

  it('queues a refresh as a poll that asks Git afresh', async () => {
    const response = await post('web/refresh', undefined);
    assert.equal(response.status, 202);
    assert.deepEqual(server.jobs.at(-1), { app: 'shop/web', reason: 'poll', requestedBy: 'api', operation: { kind: 'refresh' } });
  });

  it('never logs a token', () => {
    const logged = server.logs.join('');
    assert.ok(!logged.includes(adminToken) && !logged.includes(readToken));
  });
});

describe('the webhook route', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => { server = await startServer(); });
  after(async () => { await server.close(); });
  const deliver = (provider: string, body: Buffer, headers: Record<string, string>): Promise<Response> =>
    fetch(`${server.base}/api/v1/webhooks/${provider}`, { method: 'POST', headers, body });

  it('queues the Applications a signed push concerns, with the pushed revision', async () => {
    const body = githubPushBody({ repoURL, after: 'd'.repeat(40), paths: ['apps/web/config.yaml'] });
    const response = await deliver('github', body, githubHeaders(body, secret));
    assert.equal(response.status, 202);
    const answer = await response.json() as { queued: { app: string; revision: string }[]; skipped: number };
    assert.deepEqual(answer.queued.map((entry) => entry.app), ['shop/web']);
    assert.equal(answer.skipped, 2);
    const job = server.jobs.at(-1);
    assert.equal(job?.reason, 'webhook');
    assert.equal(job.revision, 'd'.repeat(40));
  });

  it('leaves the decision to the reconcile when the payload lists no files', async () => {
    const body = githubPushBody({ repoURL, after: 'e'.repeat(40) });
    const answer = await (await deliver('github', body, githubHeaders(body, secret))).json() as { queued: { app: string }[] };
    assert.deepEqual(answer.queued.map((entry) => entry.app).sort(), ['shop/api', 'shop/other', 'shop/web']);
  });

  it('refuses a bad signature and a provider without a secret with 401, queuing nothing', async () => {
    const before = server.jobs.length;
    const body = githubPushBody({ repoURL, after: 'f'.repeat(40), paths: ['apps/web/x'] });
    const forged = await deliver('github', body, githubHeaders(body, 'not-the-secret'));
    assert.equal(forged.status, 401);
    await problemOf(forged);
    const unconfigured = await deliver('gitlab', body, { 'content-type': 'application/json' });
    assert.equal(unconfigured.status, 401);
    assert.match(String((await problemOf(unconfigured)).detail), /no webhook secret is configured for gitlab: set BERTH_WEBHOOK_SECRET_GITLAB or BERTH_WEBHOOK_SECRET/);
    assert.equal(server.jobs.length, before);
    assert.ok(server.metrics.some(([provider, result]) => provider === 'github' && result === 'unauthorized'));
  });

  it('queues a delivery once however often it is redelivered', async () => {
    const body = githubPushBody({ repoURL, after: '9'.repeat(40), paths: ['apps/web/x'] });
    const headers = githubHeaders(body, secret, { deliveryId: 'delivery-1' });
    const before = server.jobs.length;
    assert.equal((await deliver('github', body, headers)).status, 202);
    const again = await deliver('github', body, headers);
    assert.equal(again.status, 202);
    assert.equal((await again.json() as { duplicate?: boolean }).duplicate, true);
    assert.equal(server.jobs.length, before + 1);
  });

  it('answers a ping with 202 and nothing queued, malformed with 400, unknown providers with 404, too large with 413', async () => {
    const ping = Buffer.from(JSON.stringify({ hook_id: 1, zen: 'hi' }));
    const pinged = await deliver('github', ping, githubHeaders(ping, secret, { event: 'ping' }));
    assert.equal(pinged.status, 202);
    assert.deepEqual((await pinged.json() as { queued: unknown[] }).queued, []);
    const malformed = Buffer.from('{"ref": 1}');
    assert.equal((await deliver('github', malformed, githubHeaders(malformed, secret))).status, 400);
    assert.equal((await deliver('svn', malformed, {})).status, 404);
    const huge = Buffer.alloc(65 * 1024, 'a');
    const tooLarge = await deliver('github', huge, githubHeaders(huge, secret));
    assert.equal(tooLarge.status, 413);
    await problemOf(tooLarge);
  });
});

describe('webhook rate limiting', () => {
  it('answers 429 with Retry-After once an address has used its burst, and recovers with time', async () => {
    const server = await startServer({ webhooks: { secretOf: () => secret, maxBodyBytes: 1024, rateLimit: { perMinute: 60, burst: 2 } } });
    try {
      const body = Buffer.from(JSON.stringify({ zen: 'hi' }));
      const send = (): Promise<Response> => fetch(`${server.base}/api/v1/webhooks/github`, { method: 'POST', headers: githubHeaders(body, secret, { event: 'ping' }), body });
      assert.equal((await send()).status, 202);
      assert.equal((await send()).status, 202);
      const limited = await send();
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '1');
      await problemOf(limited);
      server.clock.now += 1_000;
      assert.equal((await send()).status, 202);
    } finally {
      await server.close();
    }
  });
});

describe('health, metrics and errors', () => {
  it('serves /healthz, /readyz with the reason when not ready, and /metrics without a token', async () => {
    const server = await startServer({ ready: () => Promise.reject(new Error('cannot reach Redis at redis://***@host')) });
    try {
      assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
      const ready = await fetch(`${server.base}/readyz`);
      assert.equal(ready.status, 503);
      assert.match((await ready.json() as { message: string }).message, /cannot reach Redis/);
      const metrics = await fetch(`${server.base}/metrics`);
      assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await metrics.text(), 'berth_up 1\n');
    } finally {
      await server.close();
    }
  });

  it('answers an unexpected error with a generic 500 problem and logs it', async () => {
    const failing: StatusReader = { status: () => Promise.reject(new Error('internal detail xyz')), statuses: () => Promise.reject(new Error('internal detail xyz')), drift: () => Promise.reject(new Error('x')) };
    const server = await startServer({ statuses: failing });
    try {
      const response = await fetch(`${server.base}/api/v1/applications`, { headers: auth(readToken) });
      assert.equal(response.status, 500);
      const problem = await problemOf(response);
      assert.ok(!JSON.stringify(problem).includes('xyz'));
      assert.ok(server.logs.join('').includes('internal detail xyz'));
    } finally {
      await server.close();
    }
  });

  it('makes reads public when asked, never operations', async () => {
    const server = await startServer({ auth: { adminTokens: [adminToken], readTokens: [], publicRead: true } });
    try {
      assert.equal((await fetch(`${server.base}/api/v1/applications`)).status, 200);
      assert.equal((await fetch(`${server.base}/api/v1/namespaces/shop/applications/web/refresh`, { method: 'POST' })).status, 401);
    } finally {
      await server.close();
    }
  });
});

describe('the OpenAPI document', () => {
  type Paths = Record<string, Record<string, unknown>>;
  const documented = openApiDocument.paths as unknown as Paths;

  it('describes every route of the app', async () => {
    const server = await startServer();
    await server.close();
    // Express 5 keeps its routes on app.router.stack; a layer with a route is one path and its methods.
    const stack = (server.app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router.stack;
    const routes = stack.flatMap(({ route }) => (route ? Object.keys(route.methods).map((method) => [method, route.path] as const) : []));
    assert.ok(routes.length >= 12, `found ${routes.length} routes`);
    for (const [method, path] of routes) {
      const openApiPath = path.replace(/:(\w+)/g, '{$1}');
      assert.ok(documented[openApiPath]?.[method], `${method.toUpperCase()} ${path} is not in the OpenAPI document`);
    }
  });

  it('has every documented path answer from a route, not the not-found handler', async () => {
    const server = await startServer();
    try {
      const values: Record<string, string> = { namespace: 'shop', name: 'web', provider: 'github' };
      for (const [path, operations] of Object.entries(documented)) {
        for (const method of Object.keys(operations)) {
          const url = `${server.base}${path.replace(/\{(\w+)\}/g, (_match, name: string) => values[name] ?? name)}`;
          const response = await fetch(url, { method: method.toUpperCase(), headers: { ...auth(adminToken), 'content-type': 'application/json' }, ...(method === 'post' ? { body: '{}' } : {}) });
          const text = await response.text();
          assert.ok(!text.includes('problems/route-not-found'), `${method.toUpperCase()} ${path}: ${response.status} ${text}`);
          assert.notEqual(response.status, 404, `${method.toUpperCase()} ${path}`);
        }
      }
    } finally {
      await server.close();
    }
  });
});
