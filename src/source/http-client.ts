/**
 * The HTTP client isomorphic-git talks to servers through, built on Node's
 * fetch: every request has a deadline (the socket is aborted when it passes),
 * the bytes one operation may download are capped, and what was transferred is
 * counted so callers (and tests) can tell a no-op poll from a pack download.
 * Redirects are followed only within the same origin, so credentials sent up
 * front never leave for another host. With a network policy, every connection
 * resolves its host through the policy's guarded lookup (node:http rather than
 * fetch, whose connections cannot be given a lookup), so a repository cannot
 * reach a metadata endpoint by an IP literal, a name, or DNS rebinding.
 */
import http from 'node:http';
import https from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { assertHostAllowed, guardedLookup, type NetworkPolicy } from '../policy/guarded-lookup.ts';

export interface HttpLimits {
  /** Deadline of one request, from sending it to the last byte of the answer. */
  requestTimeoutMs: number;
  /** Bytes all responses of one operation may bring together. */
  maxBytes: number;
  /** Addresses the client may connect to; undefined: any. */
  network?: NetworkPolicy;
}

interface Connector {
  agents: { http: http.Agent; https: https.Agent };
  lookup: ReturnType<typeof guardedLookup> | undefined;
}

// Keep-alive sockets are shared by operations under the same policy, never across policies:
// a socket is checked when it connects.
const connectors = new WeakMap<NetworkPolicy, Connector>();
const unguarded: Connector = { agents: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) }, lookup: undefined };

function connectorFor(network: NetworkPolicy | undefined): Connector {
  if (!network) return unguarded;
  let connector = connectors.get(network);
  if (!connector) {
    connector = { agents: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) }, lookup: guardedLookup(network) };
    connectors.set(network, connector);
  }
  return connector;
}

/** One request with node:http(s); resolves with the response head, its body still to read. */
function send(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, signal: AbortSignal, connector: Connector): Promise<http.IncomingMessage> {
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') return Promise.reject(new Error(`${url.protocol} is not an HTTP URL`));
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      method, headers, signal,
      agent: secure ? connector.agents.https : connector.agents.http,
      ...(connector.lookup ? { lookup: connector.lookup } : {}),
    };
    const request = (secure ? https.request : http.request)(url, options, resolve);
    request.on('error', reject);
    request.end(body);
  });
}

export interface TransferStats {
  requests: number;
  bytes: number;
  /** POST requests to git-upload-pack: each one downloads a pack. */
  packRequests: number;
}

/** Thrown inside a request; the caller maps it to a TransientSourceError / InvalidSourceError. */
export class TransferLimitError extends Error {
  override readonly name = 'TransferLimitError';
  readonly limit: 'timeout' | 'size';

  constructor(limit: 'timeout' | 'size', message: string) {
    super(message);
    this.limit = limit;
  }
}

async function collectBody(body: GitHttpRequest['body']): Promise<Buffer | undefined> {
  if (!body) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** An isomorphic-git HttpClient for one operation (its stats and byte budget are per operation). */
export function createHttpClient(limits: HttpLimits): { client: HttpClient; stats: TransferStats } {
  const stats: TransferStats = { requests: 0, bytes: 0, packRequests: 0 };

  async function request(input: GitHttpRequest): Promise<GitHttpResponse> {
    const method = input.method ?? 'GET';
    stats.requests++;
    if (method === 'POST' && input.url.endsWith('/git-upload-pack')) stats.packRequests++;
    const signal = AbortSignal.timeout(limits.requestTimeoutMs);
    const origin = new URL(input.url).origin;
    const connector = connectorFor(limits.network);
    let url = new URL(input.url);
    let response: http.IncomingMessage;
    const body = await collectBody(input.body);
    try {
      for (let hops = 0; ; hops++) {
        // IP literals connect without a lookup: check them here.
        if (limits.network) assertHostAllowed(url.hostname, limits.network);
        response = await send(url, method, input.headers ?? {}, body, signal, connector);
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (status < 300 || status >= 400 || !location || hops >= 5) break;
        const next = new URL(location, url);
        // Credentials were sent up front: a redirect to another origin is not followed.
        if (next.origin !== origin) break;
        response.resume();
        url = next;
      }
    } catch (error) {
      if (signal.aborted) throw new TransferLimitError('timeout', `no answer within ${limits.requestTimeoutMs} ms`);
      throw error;
    }
    const answer = response;
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(answer.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }

    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of answer as AsyncIterable<Buffer>) {
          stats.bytes += chunk.byteLength;
          if (stats.bytes > limits.maxBytes) {
            throw new TransferLimitError('size', `the server sent more than ${limits.maxBytes} bytes, the limit of one fetch`);
          }
          yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        }
      } catch (error) {
        if (signal.aborted) throw new TransferLimitError('timeout', `the transfer did not finish within ${limits.requestTimeoutMs} ms`);
        throw error;
      } finally {
        // Stop the download when isomorphic-git stops reading (an error, or a limit).
        if (!answer.complete) answer.destroy();
      }
    }

    return {
      url: url.toString(),
      method,
      headers,
      body: chunks(),
      statusCode: answer.statusCode ?? 0,
      statusMessage: answer.statusMessage ?? '',
    };
  }

  return { client: { request }, stats };
}
