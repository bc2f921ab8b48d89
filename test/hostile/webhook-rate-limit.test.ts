/**
 * Issue #9, the webhook rate limit on the real app: a burst from one source
 * address is cut off with 429 and a Retry-After, before any signature is
 * checked or anything queued, while another address is served as usual.
 * Clients bind to different loopback addresses (127.0.0.2, 127.0.0.3), which
 * Linux routes to the server on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { providerCase } from '../../webhooks/testdata/deliveries.ts';
import { assertNoStackTrace, sendRaw, startHostileServer } from './hostile-server.ts';

describe('webhook rate limit', () => {
  it('answers a burst from one address with 429 and Retry-After, and leaves another address alone', async (t) => {
    const secret = randomBytes(16).toString('hex');
    const burst = 5;
    const server = await startHostileServer(t, {
      apps: [{ name: 'web', repoURL: 'https://github.com/Octo-Org/deploy.git' }],
      secret, adminToken: randomBytes(16).toString('hex'), readToken: randomBytes(16).toString('hex'),
      rateLimit: { perMinute: 6, burst },
    });
    const github = providerCase('github');
    const ping = Buffer.from(JSON.stringify({ zen: 'hi' }));
    const headers = { ...github.pushHeaders, 'x-github-event': 'ping', [github.authHeader]: github.authValue(ping, secret) };
    const deliver = (localAddress: string, body = ping, sent = headers) =>
      sendRaw(server.port, { method: 'POST', path: '/api/v1/webhooks/github', headers: sent, body, localAddress });

    const statuses: number[] = [];
    for (let i = 0; i < burst + 15; i++) statuses.push((await deliver('127.0.0.2')).status);
    assert.deepEqual(statuses.slice(0, burst), Array.from({ length: burst }, () => 202), 'the burst is served');
    assert.deepEqual(statuses.slice(burst), Array.from({ length: 15 }, () => 429), 'then every request is refused');

    const limited = await deliver('127.0.0.2');
    assert.equal(limited.status, 429);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 10, `Retry-After ${String(limited.headers['retry-after'])}`);
    assert.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal((JSON.parse(limited.text) as { type: string }).type, 'https://berth.dev/problems/rate-limited');
    assertNoStackTrace(limited.text, '429');

    // Refused before the signature is looked at: a forged body gets 429 too, not 401.
    const forged = await deliver('127.0.0.2', ping, { ...headers, [github.authHeader]: `sha256=${'0'.repeat(64)}` });
    assert.equal(forged.status, 429);

    const other = await deliver('127.0.0.3');
    assert.equal(other.status, 202, `another address is served: ${other.text}`);
    assert.equal(server.enqueued.length, 0, 'pings queue nothing');
  });
});
