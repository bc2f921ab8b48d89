/**
 * The chat and webhook providers against real HTTP receivers on loopback,
 * through the real HttpPost (src/notify/http.ts): what arrives is judged against
 * the receivers' recorded schemas, the CloudEvents signature is verified here
 * with node:crypto on the bytes received, and 429/500/400, a redirect and a
 * receiver that never answers come back as the outcomes the queue acts on.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createNotificationHttp } from '../../src/notify/http.ts';
import type { ProviderConfig } from '../../src/notify/providers/provider.ts';
import { sendNotification } from '../../src/notify/providers/provider.ts';
import { sampleEvent } from '../../src/notify/providers/testdata/fake-host.ts';
import { cloudEventsWebhook, slackWebhook, teamsWorkflow } from '../../src/notify/providers/testdata/recorded-schemas.ts';
import { judgeRequest } from '../../src/notify/providers/testdata/schema-judge.ts';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

type Behaviour = (request: Received, response: http.ServerResponse) => void;

/** A loopback receiver that records what it gets and answers as `behaviour` says (default 200 "ok"). */
async function startReceiver(): Promise<{ base: string; received: Received[]; behave(next: Behaviour): void; close(): Promise<void> }> {
  const received: Received[] = [];
  let behaviour: Behaviour = (_request, response) => { response.end('ok'); };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) };
      received.push(entry);
      behaviour(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    behave(next) { behaviour = next; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => { resolve(); });
    }),
  };
}

function asJudged(entry: Received, base: string): { method: string; url: string; headers: Record<string, string>; body: string } {
  const headers = Object.fromEntries(Object.entries(entry.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value ?? '']));
  return { method: entry.method, url: `${base}${entry.url}`, headers, body: entry.body.toString('utf8') };
}

const post = createNotificationHttp({ allowPrivate: true });
const secret = 'loopback-signing-key-7f3e';

describe('providers against loopback receivers', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => { receiver = await startReceiver(); });
  after(async () => { await receiver.close(); });

  it('Slack: the receiver gets a documented incoming-webhook body', async () => {
    receiver.received.length = 0;
    receiver.behave((_request, response) => { response.end('ok'); });
    const config: ProviderConfig = { kind: 'slack', name: 'shop/slack', address: `${receiver.base}/services/T0/B0/abc`, options: { allowHttp: true } };
    const outcome = await sendNotification(config, sampleEvent(), post);
    assert.deepEqual(outcome, { result: 'delivered', status: 200 });
    assert.equal(receiver.received.length, 1);
    const entry = receiver.received[0];
    assert.ok(entry);
    assert.deepEqual(judgeRequest([slackWebhook], receiver.base, asJudged(entry, receiver.base)).problems, []);
  });

  it('Teams: the workflow gets a message with one Adaptive Card and answers 202', async () => {
    receiver.received.length = 0;
    receiver.behave((_request, response) => { response.writeHead(202).end(); });
    const config: ProviderConfig = { kind: 'msteams', name: 'shop/teams', address: `${receiver.base}/workflows/w1/triggers/manual/paths/invoke?api-version=2016-06-01&sig=s`, options: { allowHttp: true } };
    const outcome = await sendNotification(config, sampleEvent(), post);
    assert.deepEqual(outcome, { result: 'delivered', status: 202 });
    const entry = receiver.received[0];
    assert.ok(entry);
    assert.deepEqual(judgeRequest([teamsWorkflow], receiver.base, asJudged(entry, receiver.base)).problems, []);
  });

  it('CloudEvents: the signature verifies on the bytes received, with the key alone', async () => {
    receiver.received.length = 0;
    receiver.behave((_request, response) => { response.writeHead(204).end(); });
    const config: ProviderConfig = { kind: 'webhook', name: 'shop/hook', address: `${receiver.base}/berth/events`, secret, options: { allowHttp: true } };
    const outcome = await sendNotification(config, sampleEvent({ commit: { subject: 'ünïcödé subject ✓', author: 'Zoë' } }), post);
    assert.deepEqual(outcome, { result: 'delivered', status: 204 });
    const entry = receiver.received[0];
    assert.ok(entry);
    const header = String(entry.headers['x-berth-signature']);
    assert.match(header, /^sha256=[0-9a-f]{64}$/);
    const expected = createHmac('sha256', secret).update(entry.body).digest();
    assert.ok(timingSafeEqual(Buffer.from(header.slice('sha256='.length), 'hex'), expected), 'HMAC-SHA256 of the raw body');
    const tampered = createHmac('sha256', secret).update(Buffer.concat([entry.body, Buffer.from(' ')])).digest();
    assert.ok(!timingSafeEqual(Buffer.from(header.slice('sha256='.length), 'hex'), tampered));
    assert.deepEqual(judgeRequest([cloudEventsWebhook], `${receiver.base}/berth`, asJudged(entry, receiver.base)).problems, []);
    const event = JSON.parse(entry.body.toString('utf8')) as { data: { commit: { subject: string } } };
    assert.equal(event.data.commit.subject, 'ünïcödé subject ✓');
  });

  it('429 with Retry-After comes back as retry after that long', async () => {
    receiver.behave((_request, response) => { response.writeHead(429, { 'retry-after': '3' }).end('slow down'); });
    const outcome = await sendNotification({ kind: 'webhook', name: 'shop/hook', address: `${receiver.base}/x`, secret, options: { allowHttp: true } }, sampleEvent(), post);
    assert.equal(outcome.result, 'retry');
    assert.equal('retryAfterMs' in outcome ? outcome.retryAfterMs : undefined, 3000);
  });

  it('500 is retried and 400 dropped with the receiver\'s words, never the address or secret', async () => {
    const config: ProviderConfig = { kind: 'slack', name: 'shop/slack', address: `${receiver.base}/services/T0/B0/SECRETPART`, options: { allowHttp: true } };
    receiver.behave((request, response) => { response.writeHead(500).end(`crashed on ${request.url}`); });
    const crashed = await sendNotification(config, sampleEvent(), post);
    assert.equal(crashed.result, 'retry');
    receiver.behave((request, response) => { response.writeHead(400).end(`invalid_payload for ${request.url}`); });
    const refused = await sendNotification(config, sampleEvent(), post);
    assert.equal(refused.result, 'dropped');
    assert.match('reason' in refused ? refused.reason : '', /HTTP 400: invalid_payload/);
    for (const outcome of [crashed, refused]) assert.doesNotMatch(JSON.stringify(outcome), /SECRETPART/);
  });

  it('a redirect is not followed (it could carry the request to another host)', async () => {
    const other = await startReceiver();
    try {
      receiver.behave((_request, response) => { response.writeHead(307, { location: `${other.base}/stolen` }).end(); });
      const outcome = await sendNotification({ kind: 'webhook', name: 'shop/hook', address: `${receiver.base}/x`, secret, options: { allowHttp: true } }, sampleEvent(), post);
      assert.equal(outcome.result, 'dropped');
      assert.equal(other.received.length, 0);
    } finally {
      await other.close();
    }
  });

  it('a receiver that never answers costs one timeout and comes back as retry', async () => {
    receiver.behave(() => { /* never answers */ });
    const started = performance.now();
    const outcome = await sendNotification({ kind: 'msteams', name: 'shop/teams', address: `${receiver.base}/hang`, options: { allowHttp: true, timeoutMs: 500 } }, sampleEvent(), post);
    const elapsed = performance.now() - started;
    assert.equal(outcome.result, 'retry');
    assert.match('reason' in outcome ? outcome.reason : '', /no response/);
    assert.ok(elapsed < 10_000, `gave up after ${Math.round(elapsed)} ms`);
  });

  it('a refused connection comes back as retry', async () => {
    const gone = await startReceiver();
    const address = `${gone.base}/x`;
    await gone.close();
    const outcome = await sendNotification({ kind: 'webhook', name: 'shop/hook', address, secret, options: { allowHttp: true } }, sampleEvent(), post);
    assert.equal(outcome.result, 'retry');
  });
});
