/**
 * A notification receiver on loopback for tests and the benchmark: records
 * every request (time, headers, parsed body), and answers as told: 200, a
 * status with Retry-After for the next N requests, or never (it hangs, holding
 * the connection until the test closes it).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  at: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The CloudEvent, when the body is one. */
  event: { id?: string; type?: string; subject?: string; data?: Record<string, unknown> } | undefined;
  /** The status it was answered with; undefined while hanging. */
  answered: number | undefined;
}

export type ReceiverMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; retryAfterSeconds?: number; times: number }
  | { kind: 'hang' };

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Events answered 2xx, by CloudEvents type (`dev.berth.application.Synced` -> `Synced`). */
  delivered(): ReceivedRequest[];
  setMode(mode: ReceiverMode): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let mode: ReceiverMode = { kind: 'ok' };
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let event: ReceivedRequest['event'];
      try {
        event = JSON.parse(body) as ReceivedRequest['event'];
      } catch {
        event = undefined;
      }
      const received: ReceivedRequest = { at: Date.now(), method: request.method ?? '', path: request.url ?? '', headers: request.headers, body, event, answered: undefined };
      requests.push(received);
      if (mode.kind === 'hang') {
        hanging.add(response);
        return;
      }
      if (mode.kind === 'status') {
        const { status, retryAfterSeconds } = mode;
        mode = mode.times <= 1 ? { kind: 'ok' } : { ...mode, times: mode.times - 1 };
        received.answered = status;
        response.writeHead(status, retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }).end('try later');
        return;
      }
      received.answered = 200;
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    delivered: () => requests.filter((request) => request.answered !== undefined && request.answered < 300),
    setMode(next) { mode = next; },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
}

/** `Synced` from `dev.berth.application.Synced`. */
export const eventTypeOf = (request: ReceivedRequest): string => (request.event?.type ?? '').replace(/^dev\.berth\.application\./, '');
