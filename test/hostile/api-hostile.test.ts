/**
 * Issue #9, the status API under hostile input: malformed and traversing
 * Application names, oversized and mistyped bodies, missing, wrong and
 * under-privileged tokens. Every refusal is the documented status as an
 * application/problem+json document, without a stack trace, and no answer or
 * log line echoes a token. Requests go out through node:http exactly as
 * written, so `..` and percent-encoding reach the server unnormalized.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { assertNoStackTrace, sendRaw, startHostileServer, type HostileServer, type RawResponse } from './hostile-server.ts';

const adminToken = `adm-${randomBytes(16).toString('hex')}`;
const readToken = `rd-${randomBytes(16).toString('hex')}`;
const secret = randomBytes(16).toString('hex');
const apps = [{ name: 'web', repoURL: 'https://git.example.com/team/deploy.git' }];

const readRoutes = ['', '/drift', '/drift?format=text', '/history', '/resources'];
const adminRoutes = ['/sync', '/refresh', '/rollback'];

/** Names that must never reach the registry; each percent-encoded as a client could send it. */
const hostileNames = [
  'Web', 'web_1', '-web', 'web-', 'a'.repeat(254), 'a'.repeat(6000), '%E2%98%83', 'w%C3%A9b', '%F0%9F%92%A3',
  '..', '.', '%2E%2E', '..%2F..%2Fetc%2Fpasswd', '..%2f..%2f..%2fetc%2fshadow', 'web%2Fsync', '%2Fetc%2Fpasswd', '%5C..%5Cwindows',
  '%00', 'web%00', 'web%0Aevil', 'web%0D%0ASet-Cookie:%20x=1', '%20', '%25', '%', '%zz', '%E0%A4%A', 'web%3Bdrop',
  '%C0%AE%C0%AE', '%EF%BC%8E%EF%BC%8E', '$(id)', '%60id%60', '%7B%7D', '%27%22%3E%3Cscript%3E',
];

function problemOf(response: RawResponse, what: string): Record<string, unknown> {
  assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', `${what}: ${response.text.slice(0, 200)}`);
  const problem = JSON.parse(response.text) as Record<string, unknown>;
  assert.equal(problem.status, response.status, what);
  for (const member of ['type', 'title', 'detail', 'instance']) assert.equal(typeof problem[member], 'string', `${what}: ${member}`);
  return problem;
}

function assertClean(response: RawResponse, what: string): void {
  assertNoStackTrace(response.text, what);
  for (const token of [adminToken, readToken, secret]) assert.ok(!response.text.includes(token), `${what}: a token is echoed`);
  for (const value of Object.values(response.headers)) {
    for (const token of [adminToken, readToken]) assert.ok(!String(value).includes(token), `${what}: a token is echoed in a header`);
  }
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('the status API under hostile input', () => {
  let server: HostileServer;
  const send = async (what: string, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<RawResponse> => {
    const response = await sendRaw(server.port, { method, path, headers, ...(body === undefined ? {} : { body }) });
    assertClean(response, what);
    return response;
  };

  it('refuses malformed, traversing and unicode names with 400, in the namespace and the name, on every route', async (t) => {
    server = await startHostileServer(t, { apps, secret, adminToken, readToken });
    let tried = 0;
    for (const hostile of hostileNames) {
      for (const place of ['namespace', 'name'] as const) {
        const base = place === 'name' ? `/api/v1/namespaces/hostile/applications/${hostile}` : `/api/v1/namespaces/${hostile}/applications/web`;
        for (const route of [...readRoutes, ...adminRoutes]) {
          const method = adminRoutes.includes(route) ? 'POST' : 'GET';
          const what = `${method} ${place}=${hostile.slice(0, 30)} ${route}`;
          const response = await send(what, method, `${base}${route}`, { ...bearer(adminToken), 'content-type': 'application/json' }, method === 'POST' ? '{}' : undefined);
          // A literal `..` or `.` segment is a name like any other to the router; the name check refuses it.
          assert.equal(response.status, 400, `${what}: ${response.status} ${response.text.slice(0, 200)}`);
          const problem = problemOf(response, what);
          assert.equal(problem.type, 'https://berth.dev/problems/invalid-request', what);
          tried += 1;
        }
      }
    }
    assert.equal(server.enqueued.length, 0, 'nothing was queued');
    t.diagnostic(`${tried} requests with hostile names: all 400`);
  });

  it('answers an unknown but well-formed name with 404, and paths outside the API with route-not-found', async (t) => {
    server = await startHostileServer(t, { apps, secret, adminToken, readToken });
    const missing = await send('ghost', 'GET', '/api/v1/namespaces/hostile/applications/ghost', bearer(readToken));
    assert.equal(missing.status, 404);
    assert.equal(problemOf(missing, 'ghost').type, 'https://berth.dev/problems/not-found');
    for (const path of ['/api/v1/namespaces/hostile/applications/web/../../../../etc/passwd', '/api/v1/namespaces/hostile/applications/web/sync/extra', '/api/v2/applications', '/..%2F..%2Fetc%2Fpasswd', '/api/v1/applications/%2e%2e/%2e%2e']) {
      const response = await send(path, 'GET', path, bearer(adminToken));
      assert.equal(response.status, 404, path);
      assert.equal(problemOf(response, path).type, 'https://berth.dev/problems/route-not-found', path);
    }
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const response = await send(method, method, '/api/v1/namespaces/hostile/applications/web', bearer(adminToken));
      assert.equal(response.status, 404, method);
      problemOf(response, method);
    }
  });

  it('refuses oversized bodies with 413 and bodies that are not JSON with 415 or 400, queuing nothing', async (t) => {
    server = await startHostileServer(t, { apps, secret, adminToken, readToken });
    const json = { ...bearer(adminToken), 'content-type': 'application/json' };
    for (const route of ['sync', 'rollback']) {
      const path = `/api/v1/namespaces/hostile/applications/web/${route}`;
      const huge = JSON.stringify({ revision: 'a'.repeat(70 * 1024) });
      const tooLarge = await send(`${route} huge`, 'POST', path, json, huge);
      assert.equal(tooLarge.status, 413, tooLarge.text);
      assert.equal(problemOf(tooLarge, `${route} huge`).type, 'https://berth.dev/problems/payload-too-large');
      const cases: [string, Record<string, string>, string, number][] = [
        ['text/plain', { ...bearer(adminToken), 'content-type': 'text/plain' }, '{"revision":"v1"}', 415],
        ['form', { ...bearer(adminToken), 'content-type': 'application/x-www-form-urlencoded' }, 'revision=v1', 415],
        ['multipart', { ...bearer(adminToken), 'content-type': 'multipart/form-data; boundary=x' }, '--x\r\n\r\nv1\r\n--x--', 415],
        ['no content type', bearer(adminToken), '{"revision":"v1"}', 415],
        ['latin1 JSON', { ...bearer(adminToken), 'content-type': 'application/json; charset=latin1' }, '{}', 415],
        ['broken JSON', json, '{"revision":', 400],
        ['JSON string', json, '"v1"', 400],
        ['JSON array', json, '[]', 400],
        ['prototype key', json, '{"__proto__":{"dryRun":true}}', 400],
        ['constructor key', json, '{"constructor":{"prototype":{"x":1}}}', 400],
        ['deep JSON', json, `${'['.repeat(20_000)}${']'.repeat(20_000)}`, 400],
        ['bad gzip', { ...json, 'content-encoding': 'gzip' }, '{}', 400],
        ['unknown encoding', { ...json, 'content-encoding': 'zstd-nope' }, '{}', 415],
      ];
      for (const [what, headers, body, status] of cases) {
        const response = await send(`${route} ${what}`, 'POST', path, headers, body);
        assert.equal(response.status, status, `${route} ${what}: ${response.text.slice(0, 200)}`);
        problemOf(response, `${route} ${what}`);
      }
    }
    assert.equal(server.enqueued.length, 0, `nothing was queued: ${JSON.stringify(server.enqueued)}`);
    assert.equal(({}as Record<string, unknown>).dryRun, undefined, 'no prototype was polluted');
  });

  it('asks for a token (401), refuses wrong ones (401) and a read token on operations (403), never echoing one', async (t) => {
    server = await startHostileServer(t, { apps, secret, adminToken, readToken });
    const wrongs: Record<string, string>[] = [
      {}, { authorization: '' }, { authorization: 'Bearer' }, { authorization: 'Bearer ' }, { authorization: `Basic ${Buffer.from(`x:${adminToken}`).toString('base64')}` },
      { authorization: adminToken }, { authorization: `Bearer ${adminToken}x` }, { authorization: `Bearer ${adminToken.slice(0, -1)}` },
      { authorization: `Bearer ${adminToken} ${adminToken}` }, { authorization: `Bearer ${'x'.repeat(8000)}` }, { authorization: `Token ${adminToken}` },
      { authorization: `Bearer ${adminToken.toUpperCase()}` }, { 'x-api-key': adminToken },
    ];
    let tried = 0;
    for (const route of [...readRoutes, ...adminRoutes, 'list']) {
      const method = adminRoutes.includes(route) ? 'POST' : 'GET';
      const path = route === 'list' ? '/api/v1/applications' : `/api/v1/namespaces/hostile/applications/web${route}`;
      for (const headers of wrongs) {
        const what = `${method} ${route} with ${JSON.stringify(headers).slice(0, 40)}`;
        const response = await send(what, method, path, { ...headers, 'content-type': 'application/json' }, method === 'POST' ? '{}' : undefined);
        assert.equal(response.status, 401, `${what}: ${response.text.slice(0, 200)}`);
        assert.match(String(response.headers['www-authenticate']), /^Bearer realm=/, what);
        assert.equal(problemOf(response, what).type, 'https://berth.dev/problems/unauthorized');
        tried += 1;
      }
      if (method === 'POST') {
        const response = await send(`${route} read token`, method, path, { ...bearer(readToken), 'content-type': 'application/json' }, '{}');
        assert.equal(response.status, 403, `${route} with a read token`);
        assert.equal(problemOf(response, `${route} read token`).type, 'https://berth.dev/problems/forbidden');
      } else {
        assert.equal((await send(`${route} read token`, method, path, bearer(readToken))).status, 200, `${route} with a read token`);
      }
    }
    assert.equal(server.enqueued.length, 0);
    const logged = server.logs.join('');
    for (const token of [adminToken, readToken]) assert.ok(!logged.includes(token), 'a token reached the log');
    t.diagnostic(`${tried} requests with missing or wrong tokens: all 401`);
  });
});
