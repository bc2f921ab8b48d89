/**
 * A thin JSON client for the Kubernetes REST API, over one keep-alive HTTPS agent.
 *
 * Why not client-node's typed APIs for objects: they deserialize into model
 * classes (timestamps become Date objects, fields unknown to the generated model
 * are dropped), and a diff engine must see exactly the JSON the API server sent.
 * client-node still provides the credentials (`applyToHTTPSOptions`).
 */
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeCredentials } from './kubeconfig.ts';

export interface RestClientOptions {
  /** Concurrent connections to the API server. */
  maxSockets?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Impersonate this user (e.g. `system:serviceaccount:team:deployer`). */
  impersonateUser?: string;
  /**
   * Called once per request when it ends: with the HTTP status, or undefined when
   * no answer came (network error, timeout, abort); for a watch, as its answer
   * starts, with method `WATCH`. For metrics; must not throw.
   */
  onResponse?: (method: string, status: number | undefined) => void;
}

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Extra headers (lower-case names), e.g. impersonation (see impersonation.ts). */
  headers?: Record<string, string | string[]>;
}

export interface RestResponse {
  status: number;
  body: unknown;
}

/** A non-2xx answer of the API server, with its Status reason (NotFound, Conflict, Invalid, ...). */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly details: unknown;
  constructor(status: number, reason: string, message: string, details: unknown) {
    super(message);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
    this.details = details;
  }
}

/** Ends a watch; `onDone` is then called with undefined. */
export type StopWatch = () => void;

export interface RestClient {
  readonly server: string;
  request(method: string, path: string, options?: RequestOptions): Promise<RestResponse>;
  /**
   * A watch: GET `path?watch=true`, each event line to `onEvent`. `onDone` is called
   * once: undefined when the server ended the stream or it was stopped; a
   * `TimeoutError` after `timeoutMs` without a byte (bookmarks keep a live watch
   * talking); a KubeApiError for an answer other than 200; else the socket's error.
   */
  watch(path: string, query: Record<string, string | undefined>, onEvent: (type: string, object: unknown) => void, onDone: (error: unknown) => void): StopWatch;
  close(): void;
}

interface StatusBody { kind?: string; reason?: string; message?: string; details?: unknown }

function isStatus(body: unknown): body is StatusBody {
  return typeof body === 'object' && body !== null && (body as StatusBody).kind === 'Status';
}

export async function createRestClient(kc: KubeCredentials, options: RestClientOptions = {}): Promise<RestClient> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const base = new URL(cluster.server);
  const tls: https.RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(tls);
  const secure = base.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 32 };
  const agent = secure
    ? new https.Agent({ ...agentOptions, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized })
    : new http.Agent(agentOptions);
  const baseHeaders: Record<string, string> = { accept: 'application/json' };
  for (const [name, value] of Object.entries(tls.headers ?? {})) {
    if (typeof value === 'string') baseHeaders[name.toLowerCase()] = value;
  }
  if (options.impersonateUser) baseHeaders['impersonate-user'] = options.impersonateUser;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const prefix = base.pathname.replace(/\/$/, '');
  const onResponse = options.onResponse ?? (() => undefined);

  const send = (method: string, path: string, req: RequestOptions = {}): Promise<RestResponse> => {
    const url = new URL(prefix + path, base);
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: Record<string, string | string[]> = { ...baseHeaders, ...req.headers };
    if (payload) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const send = secure ? https.request : http.request;
      const outgoing = send(url, { method, headers, agent, timeout: timeoutMs, signal: req.signal }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if ((incoming.headers['content-type'] ?? '').includes('json') && text) {
            try { body = JSON.parse(text); } catch { /* keep the text */ }
          }
          const status = incoming.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve({ status, body });
            return;
          }
          const reason = isStatus(body) ? body.reason ?? '' : '';
          const message = isStatus(body) ? body.message ?? text : text.slice(0, 500);
          reject(new KubeApiError(status, reason || `HTTP${status}`, `${method} ${path}: ${status} ${message}`, isStatus(body) ? body.details : undefined));
        });
      });
      outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  };

  const request = async (method: string, path: string, req: RequestOptions = {}): Promise<RestResponse> => {
    try {
      const response = await send(method, path, req);
      onResponse(method, response.status);
      return response;
    } catch (error) {
      onResponse(method, error instanceof KubeApiError ? error.status : undefined);
      throw error;
    }
  };

  const watch: RestClient['watch'] = (path, query, onEvent, onDone) => {
    const url = new URL(prefix + path, base);
    url.searchParams.set('watch', 'true');
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
    let done = false;
    const finish = (error: unknown): void => {
      if (done) return;
      done = true;
      outgoing.destroy();
      onDone(error);
    };
    const send = secure ? https.request : http.request;
    const outgoing = send(url, { method: 'GET', headers: baseHeaders, agent }, (incoming) => {
      const status = incoming.statusCode ?? 0;
      onResponse('WATCH', status);
      if (status !== 200) {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try { body = JSON.parse(text); } catch { /* keep the text */ }
          const reason = isStatus(body) ? body.reason ?? '' : '';
          finish(new KubeApiError(status, reason || `HTTP${status}`, `WATCH ${path}: ${status} ${isStatus(body) ? body.message ?? text : text.slice(0, 500)}`, undefined));
        });
        return;
      }
      incoming.on('error', finish);
      incoming.on('close', () => { finish(undefined); });
      const lines = createInterface({ input: incoming, crlfDelay: Infinity });
      // readline re-emits the stream's errors; the stream's own listener above reports them.
      lines.on('error', () => undefined);
      lines.on('line', (line) => {
        if (done || !line) return;
        let event: { type?: unknown; object?: unknown };
        try { event = JSON.parse(line) as { type?: unknown; object?: unknown }; } catch { return; }
        if (typeof event.type === 'string') onEvent(event.type, event.object);
      });
    });
    // An inactivity timeout, as client-node's Watch has: a half-open connection never ends by itself.
    outgoing.setTimeout(timeoutMs, () => {
      const error = new Error(`WATCH ${path}: no data within ${timeoutMs} ms`);
      error.name = 'TimeoutError';
      finish(error);
    });
    outgoing.on('error', finish);
    outgoing.end();
    return () => { finish(undefined); };
  };

  return { server: base.origin + prefix, request, watch, close: () => { agent.destroy(); } };
}
