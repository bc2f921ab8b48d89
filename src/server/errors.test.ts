import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { createLogger } from '../log.ts';
import { errorHandler } from './errors.ts';

/** Sends `path` unnormalized (fetch would re-encode a lone `%`). */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; problem: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => { chunks.push(chunk); });
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, problem: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> }); });
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('the error handler with client faults raised below the routes', () => {
  const logs: string[] = [];
  let server: http.Server;
  let port = 0;
  before(async () => {
    const app = express();
    app.get('/things/:name', (_request, response) => { response.json({}); });
    app.post('/things', express.json(), (_request, response) => { response.json({}); });
    app.get('/kube', () => { throw Object.assign(new Error('the API server said 400'), { status: 400 }); });
    const sink = new Writable({ write(chunk: Buffer, _encoding, done) { logs.push(chunk.toString()); done(); } });
    app.use(errorHandler(createLogger('info', sink)));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => { server.close(); });

  it('answers a path that is not valid percent-encoding with 400, not 500', async () => {
    for (const path of ['/things/%', '/things/%E0%A4%A', '/things/%zz']) {
      const { status, problem } = await send(port, 'GET', path);
      assert.equal(status, 400, path);
      assert.equal(problem.type, 'https://berth.dev/problems/invalid-request');
      assert.match(String(problem.detail), /percent-encoding/);
    }
    assert.ok(!logs.join('').includes('request failed'), 'a client fault is not logged as a failure');
  });

  it('answers a body that does not inflate with 400, and an unknown Content-Encoding with 415', async () => {
    const gzip = await send(port, 'POST', '/things', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, '{}');
    assert.equal(gzip.status, 400);
    assert.match(String(gzip.problem.detail), /Content-Encoding/);
    const unknown = await send(port, 'POST', '/things', { 'content-type': 'application/json', 'content-encoding': 'nope' }, '{}');
    assert.equal(unknown.status, 415);
    assert.equal(unknown.problem.type, 'https://berth.dev/problems/unsupported-media-type');
  });

  it('still answers an internal error that carries a 400 as a 500, without its message', async () => {
    const { status, problem } = await send(port, 'GET', '/kube');
    assert.equal(status, 500);
    assert.ok(!JSON.stringify(problem).includes('API server said'));
  });
});
