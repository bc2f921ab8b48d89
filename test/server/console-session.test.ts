/**
 * Console sign-in against the real Express app and the real Redis: the cookie
 * is HttpOnly and SameSite=Strict, carries an opaque id (never the token), and
 * changes need the CSRF header; the abuse cases are refused with clear answers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adminToken, application, readToken, signIn, startConsoleServer } from './console-fixtures.ts';

const apps = [application('shop', 'web')];

describe('console sessions', () => {
  it('sign in with an admin token: an HttpOnly, SameSite=Strict cookie holding an opaque id, never the token', async (t) => {
    const server = await startConsoleServer(t, { apps });
    const { response, body, cookie, csrf } = await signIn(server.base, adminToken);
    assert.equal(response.status, 201);
    const setCookie = response.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^berth_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600$/);
    assert.ok(!setCookie.includes('Secure'), 'no Secure over plain HTTP unless asked');
    assert.equal(body.role, 'admin');
    assert.match(csrf, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const id = cookie.slice('berth_session='.length);
    // Redis holds the hash of the id, the role and the token's digest: neither the id nor the token.
    const keys = await server.redis.keys(`${server.prefix}:console-session:*`);
    assert.equal(keys.length, 1);
    const stored = await server.redis.get(keys[0] ?? '');
    assert.ok(stored && !stored.includes(adminToken) && !stored.includes(id) && !keys[0]?.includes(id));
    assert.ok(!JSON.stringify(body).includes(adminToken), 'the token is never echoed');

    const me = await fetch(`${server.base}/api/v1/session`, { headers: { cookie } });
    assert.deepEqual({ ...(await me.json() as Record<string, unknown>), expiresAt: 'x' }, { role: 'admin', via: 'cookie', csrfToken: csrf, expiresAt: 'x', publicRead: false });
    const list = await fetch(`${server.base}/api/v1/console/applications`, { headers: { cookie } });
    assert.equal(list.status, 200);

    const sync = await fetch(`${server.base}/api/v1/namespaces/shop/applications/web/sync`, { method: 'POST', headers: { cookie, 'x-berth-csrf': csrf, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(sync.status, 202, await sync.text());
    assert.equal(server.jobs.length, 1);
  });

  it('refuses a change made with the cookie but without the CSRF header, or with a wrong one', async (t) => {
    const server = await startConsoleServer(t, { apps });
    const { cookie, csrf } = await signIn(server.base, adminToken);
    for (const headers of [{ cookie }, { cookie, 'x-berth-csrf': `${csrf.slice(0, -1)}x` }, { cookie, 'x-berth-csrf': '' }]) {
      const response = await fetch(`${server.base}/api/v1/namespaces/shop/applications/web/refresh`, { method: 'POST', headers });
      assert.equal(response.status, 403);
      const problem = await response.json() as { detail: string };
      assert.match(problem.detail, /x-berth-csrf/);
    }
    assert.equal(server.jobs.length, 0, 'nothing was queued');
    const signOut = await fetch(`${server.base}/api/v1/session`, { method: 'DELETE', headers: { cookie } });
    assert.equal(signOut.status, 403, 'signing out needs the CSRF header too');
  });

  it('lets a read session read and never sync', async (t) => {
    const server = await startConsoleServer(t, { apps });
    const { cookie, csrf, body } = await signIn(server.base, readToken);
    assert.equal(body.role, 'read');
    assert.equal((await fetch(`${server.base}/api/v1/console/namespaces/shop/applications/web`, { headers: { cookie } })).status, 200);
    const sync = await fetch(`${server.base}/api/v1/namespaces/shop/applications/web/sync`, { method: 'POST', headers: { cookie, 'x-berth-csrf': csrf, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(sync.status, 403);
    assert.match((await sync.json() as { detail: string }).detail, /admin session/);
    assert.equal(server.jobs.length, 0);
  });

  it('refuses a forged or unknown session id, and clears the cookie', async (t) => {
    const server = await startConsoleServer(t, { apps });
    for (const forged of ['A'.repeat(43), 'not-a-session', '../../etc/passwd', `${'A'.repeat(42)};`]) {
      const response = await fetch(`${server.base}/api/v1/console/applications`, { headers: { cookie: `berth_session=${forged}` } });
      assert.equal(response.status, 401, forged);
      assert.match((await response.json() as { detail: string }).detail, /sign in again/);
      assert.match(response.headers.get('set-cookie') ?? '', /berth_session=; .*Max-Age=0/);
    }
  });

  it('refuses a wrong token with 401 and a clear error, then rate limits the address', async (t) => {
    const server = await startConsoleServer(t, { apps, console: { signInRateLimit: { perMinute: 3, burst: 3 } } });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const { response, body } = await signIn(server.base, `wrong-${attempt}`);
      assert.equal(response.status, 401);
      assert.equal(body.detail, 'the token is not valid');
      assert.equal(response.headers.get('set-cookie'), null);
      assert.ok(!JSON.stringify(body).includes(`wrong-${attempt}`), 'the token is never echoed');
    }
    const { response } = await signIn(server.base, adminToken);
    assert.equal(response.status, 429, 'even the right token waits once the address is limited');
    assert.ok(Number(response.headers.get('retry-after')) >= 1);
  });

  it('signs out: the session is gone in Redis and the cookie no longer works', async (t) => {
    const server = await startConsoleServer(t, { apps });
    const { cookie, csrf } = await signIn(server.base, adminToken);
    const signOut = await fetch(`${server.base}/api/v1/session`, { method: 'DELETE', headers: { cookie, 'x-berth-csrf': csrf } });
    assert.equal(signOut.status, 204);
    assert.match(signOut.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.deepEqual(await server.redis.keys(`${server.prefix}:console-session:*`), []);
    assert.equal((await fetch(`${server.base}/api/v1/session`, { headers: { cookie } })).status, 401);
  });

  it('keeps bearer requests working without CSRF, and a bearer header wins over a cookie', async (t) => {
    const server = await startConsoleServer(t, { apps });
    const { cookie } = await signIn(server.base, readToken);
    const response = await fetch(`${server.base}/api/v1/namespaces/shop/applications/web/refresh`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, cookie } });
    assert.equal(response.status, 202);
    const me = await fetch(`${server.base}/api/v1/session`, { headers: { authorization: `Bearer ${readToken}` } });
    assert.deepEqual(await me.json(), { role: 'read', via: 'bearer', publicRead: false });
    assert.equal((await fetch(`${server.base}/api/v1/session`)).status, 401, 'nobody');
  });

  it('ends sessions whose token is no longer configured', async (t) => {
    const prefix = `berth-console-revoke-${Date.now()}`;
    const first = await startConsoleServer(t, { apps, prefix });
    const { cookie } = await signIn(first.base, adminToken);
    await first.close();
    const second = await startConsoleServer(t, { apps, prefix, server: { auth: { adminTokens: ['another-admin-token'], readTokens: [], publicRead: false } } });
    assert.equal((await fetch(`${second.base}/api/v1/console/applications`, { headers: { cookie } })).status, 401);
  });

  it('takes sign-in only as JSON, so no cross-site form can sign a browser in to someone else\'s session', async (t) => {
    const server = await startConsoleServer(t, { apps });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await fetch(`${server.base}/api/v1/session`, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify({ token: adminToken }) });
      assert.equal(response.status, 415, type);
      assert.equal(response.headers.get('set-cookie'), null);
    }
  });

  it('reads as the public may when reads are public and the cookie is stale', async (t) => {
    const server = await startConsoleServer(t, { apps, server: { auth: { adminTokens: [adminToken], readTokens: [], publicRead: true } } });
    const me = await fetch(`${server.base}/api/v1/session`, { headers: { cookie: `berth_session=${'B'.repeat(43)}` } });
    assert.deepEqual(await me.json(), { role: 'read', via: 'public', publicRead: true });
    assert.match(me.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal((await fetch(`${server.base}/api/v1/console/applications`)).status, 200);
    const sync = await fetch(`${server.base}/api/v1/namespaces/shop/applications/web/sync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(sync.status, 401, 'public reads never make actions public');
  });

  it('answers with a strict Content-Security-Policy and no sniffing, on the API too', async (t) => {
    const server = await startConsoleServer(t, { apps });
    const response = await fetch(`${server.base}/api/v1/session`);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.ok(!/unsafe-inline|unsafe-eval|https?:/.test(csp), csp);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  });
});
