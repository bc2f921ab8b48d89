/**
 * A Git server that misbehaves on demand: an HTTP proxy in front of the test
 * Git server (test/harness/git-repositories.ts) whose mode a test switches between
 *   pass     every request forwarded as is;
 *   stall    ref listings forwarded, but a pack download stops after its first
 *            bytes and the connection stays open without another byte;
 *   garbage  every smart-HTTP endpoint answered with the right content type and
 *            a body of random bytes;
 *   down     the port closed (connections refused), until `setMode` reopens it.
 * Requests are counted per mode, so a test can tell the fault was really hit.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type GitFault = 'pass' | 'stall' | 'garbage' | 'down';

export interface FaultyGitProxy {
  /** `http://127.0.0.1:<port>/<name>.git`, the same through every mode. */
  url(name: string): string;
  setMode(mode: GitFault): Promise<void>;
  /** Requests that met each mode. */
  readonly hits: Record<GitFault, number>;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = {
  'info/refs': 'application/x-git-upload-pack-advertisement',
  'git-upload-pack': 'application/x-git-upload-pack-result',
};

export async function startFaultyGitProxy(upstream: string): Promise<FaultyGitProxy> {
  const target = new URL(upstream);
  let mode: GitFault = 'pass';
  const hits: Record<GitFault, number> = { pass: 0, stall: 0, garbage: 0, down: 0 };
  const sockets = new Set<Socket>();

  const server = http.createServer((request, response) => {
    const current = mode;
    hits[current] += 1;
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (current === 'garbage') {
      request.resume();
      const endpoint = Object.keys(contentTypes).find((suffix) => path.endsWith(suffix)) ?? 'info/refs';
      response.writeHead(200, { 'Content-Type': contentTypes[endpoint] ?? 'text/plain' }).end(randomBytes(4_096));
      return;
    }
    const isPack = request.method === 'POST' && path.endsWith('/git-upload-pack');
    const forwarded = http.request({
      host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers,
    }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      if (current !== 'stall' || !isPack) {
        answer.pipe(response);
        return;
      }
      // A few bytes of the pack, then silence: the socket stays open until the client gives up.
      answer.once('data', (chunk: Buffer) => {
        response.write(chunk.subarray(0, Math.min(chunk.length, 32)));
        answer.pause();
      });
    });
    forwarded.on('error', () => { response.destroy(); });
    request.pipe(forwarded);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const listen = (port: number): Promise<void> => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const shut = (): Promise<void> => new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => { resolve(); });
  });

  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}.git`,
    hits,
    async setMode(next) {
      if (next === 'down' && mode !== 'down') await shut();
      if (next !== 'down' && mode === 'down') await listen(port);
      mode = next;
    },
    close: shut,
  };
}
