/**
 * Reading a webhook body within the in-flight budget, over real HTTP on
 * loopback: a chunked body (no Content-Length) is budgeted chunk by chunk and
 * cut off at the size limit, a declared one is budgeted whole before it is
 * read, a wrong signature is found at the end, and every outcome, an aborted
 * request included, gives its bytes back.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { checkBeforeBody } from '../../webhooks/index.ts';
import { createByteBudget, type ByteBudget } from './byte-budget.ts';
import { readWebhookBody, type BodyReading } from './webhook-body.ts';

const secret = 'body-test-secret';
const maxBodyBytes = 64 * 1024;

function sign(body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A server that reads each request with readWebhookBody and answers with the outcome; `outcomes` sees each settle. */
async function start(t: TestContext, budget: ByteBudget): Promise<{ port: number; outcomes: BodyReading[]; settled: Promise<void>[]; incoming: http.IncomingMessage[] }> {
  const outcomes: BodyReading[] = [];
  const incoming: http.IncomingMessage[] = [];
  const settled: Promise<void>[] = [];
  const server = http.createServer((request, response) => {
    incoming.push(request);
    const checked = checkBeforeBody('generic', request.headers, { secret, maxBodyBytes });
    if (checked.kind === 'rejected') {
      response.writeHead(checked.status).end(checked.reason);
      return;
    }
    const read = readWebhookBody(request, checked, { maxBodyBytes, budget });
    settled.push(read.reading.then((reading) => {
      outcomes.push(reading);
      read.release();
      const status = { verified: 202, rejected: reading.kind === 'rejected' ? reading.rejection.status : 400, 'over-budget': 503, aborted: 0 }[reading.kind];
      if (reading.kind !== 'aborted') response.writeHead(status).end(reading.kind === 'verified' ? String(reading.body.length) : reading.kind);
    }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }));
  return { port: (server.address() as AddressInfo).port, outcomes, settled, incoming };
}

/** Sends `chunks` with chunked transfer encoding (no Content-Length) and resolves with the status. */
function sendChunked(port: number, headers: Record<string, string>, chunks: readonly Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

describe('reading a webhook body', () => {
  it('verifies a chunked body and hands it over whole', async (t) => {
    const budget = createByteBudget({ maxBytes: maxBodyBytes, maxWaitMs: 0 });
    const server = await start(t, budget);
    const parts = [Buffer.from('{"ref":"refs/heads/main",'), Buffer.from('"after":"'), Buffer.from(`${'a'.repeat(40)}"}`)];
    const status = await sendChunked(server.port, { 'x-signature': sign(Buffer.concat(parts)) }, parts);
    assert.equal(status, 202);
    await Promise.all(server.settled);
    const [outcome] = server.outcomes;
    assert.equal(outcome?.kind, 'verified');
    assert.equal(outcome.body.toString(), Buffer.concat(parts).toString());
    assert.equal(budget.inUse, 0);
  });

  it('refuses a chunked body whose signature does not match, at its end', async (t) => {
    const budget = createByteBudget({ maxBytes: maxBodyBytes, maxWaitMs: 0 });
    const server = await start(t, budget);
    const status = await sendChunked(server.port, { 'x-signature': sign(Buffer.from('another body')) }, [Buffer.from('{"a":1}')]);
    assert.equal(status, 401);
    assert.equal(budget.inUse, 0);
  });

  it('cuts a chunked body off at the size limit with 413', async (t) => {
    const budget = createByteBudget({ maxBytes: 4 * maxBodyBytes, maxWaitMs: 0 });
    const server = await start(t, budget);
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const status = await sendChunked(server.port, { 'x-signature': sign(Buffer.from('x')) }, Array.from({ length: 8 }, () => chunk));
    assert.equal(status, 413);
    await Promise.all(server.settled);
    assert.equal(budget.inUse, 0);
  });

  it('refuses a chunked body with 503 when the budget has no room for its next chunk', async (t) => {
    const budget = createByteBudget({ maxBytes: maxBodyBytes, maxWaitMs: 0 });
    const server = await start(t, budget);
    // Someone else holds all but 1 KiB of the budget.
    assert.equal(await budget.acquire(maxBodyBytes - 1024), true);
    const status = await sendChunked(server.port, { 'x-signature': sign(Buffer.from('x')) }, [Buffer.alloc(8 * 1024, 'a')]);
    assert.equal(status, 503);
    await Promise.all(server.settled);
    assert.equal(budget.inUse, maxBodyBytes - 1024, 'the refused request gave back what it took');
  });

  it('takes a declared length whole before reading, and refuses it with 503 when it does not fit', async (t) => {
    const budget = createByteBudget({ maxBytes: maxBodyBytes, maxWaitMs: 0 });
    const server = await start(t, budget);
    assert.equal(await budget.acquire(maxBodyBytes - 10), true);
    const body = Buffer.alloc(100, 'a');
    const response = await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', headers: { 'x-signature': sign(body) }, body });
    assert.equal(response.status, 503);
    budget.release(maxBodyBytes - 10);
    const again = await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', headers: { 'x-signature': sign(body) }, body });
    assert.equal(again.status, 202);
    assert.equal(await again.text(), '100');
    assert.equal(budget.inUse, 0);
  });

  it('gives the bytes back when the client goes away mid-body', async (t) => {
    const budget = createByteBudget({ maxBytes: maxBodyBytes, maxWaitMs: 0 });
    const server = await start(t, budget);
    const request = http.request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/', headers: { 'x-signature': sign(Buffer.from('x')), 'content-length': '10000' } });
    request.on('error', () => undefined);
    request.write(Buffer.alloc(1000, 'a'));
    // Wait until the server is reading this request (its declared length is in the budget), then hang up.
    while (server.settled.length === 0 || budget.inUse === 0) await new Promise((resolve) => setImmediate(resolve));
    request.destroy();
    await Promise.all(server.settled);
    assert.equal(server.outcomes[0]?.kind, 'aborted');
    assert.equal(budget.inUse, 0);
  });

  it('gives the bytes back when the client goes away while its declared length waits for room', async (t) => {
    const budget = createByteBudget({ maxBytes: maxBodyBytes, maxWaitMs: 60_000 });
    const server = await start(t, budget);
    assert.equal(await budget.acquire(maxBodyBytes), true);
    const request = http.request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/', headers: { 'x-signature': sign(Buffer.from('x')), 'content-length': '1000' } });
    request.on('error', () => undefined);
    request.write(Buffer.alloc(10, 'a'));
    while (server.settled.length === 0) await new Promise((resolve) => setImmediate(resolve));
    request.destroy();
    // The server sees the hang-up, then room is made: the waiting read is granted, finds the client gone and gives the bytes back.
    while (server.incoming[0]?.destroyed !== true) await new Promise((resolve) => setImmediate(resolve));
    budget.release(maxBodyBytes);
    await Promise.all(server.settled);
    assert.equal(server.outcomes[0]?.kind, 'aborted');
    assert.equal(budget.inUse, 0);
  });
});

