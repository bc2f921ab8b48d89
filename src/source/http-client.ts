/**
 * The HTTP client isomorphic-git talks to servers through, built on Node's
 * fetch: every request has a deadline (the socket is aborted when it passes),
 * the bytes one operation may download are capped, and what was transferred is
 * counted so callers (and tests) can tell a no-op poll from a pack download.
 * Redirects are followed only within the same origin, so credentials sent up
 * front never leave for another host.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

export interface HttpLimits {
  /** Deadline of one request, from sending it to the last byte of the answer. */
  requestTimeoutMs: number;
  /** Bytes all responses of one operation may bring together. */
  maxBytes: number;
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
    let url = input.url;
    let response: Response;
    const body = await collectBody(input.body);
    try {
      for (let hops = 0; ; hops++) {
        response = await fetch(url, { method, headers: input.headers ?? {}, body, signal, redirect: 'manual' });
        const location = response.headers.get('location');
        if (response.status < 300 || response.status >= 400 || !location || hops >= 5) break;
        const next = new URL(location, url);
        if (next.origin !== origin) break;
        url = next.toString();
      }
    } catch (error) {
      if (signal.aborted) throw new TransferLimitError('timeout', `no answer within ${limits.requestTimeoutMs} ms`);
      throw error;
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => { headers[key] = value; });
    const reader = response.body?.getReader();

    async function* chunks(): AsyncGenerator<Uint8Array> {
      if (!reader) return;
      try {
        for (;;) {
          const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
          if (done || !value) return;
          stats.bytes += value.byteLength;
          if (stats.bytes > limits.maxBytes) {
            throw new TransferLimitError('size', `the server sent more than ${limits.maxBytes} bytes, the limit of one fetch`);
          }
          yield value;
        }
      } catch (error) {
        if (signal.aborted) throw new TransferLimitError('timeout', `the transfer did not finish within ${limits.requestTimeoutMs} ms`);
        throw error;
      } finally {
        reader.releaseLock();
        // Stop the download when isomorphic-git stops reading (an error, or a limit).
        void response.body?.cancel().catch(() => undefined);
      }
    }

    return {
      url,
      method,
      headers,
      body: chunks(),
      statusCode: response.status,
      statusMessage: response.statusText,
    };
  }

  return { client: { request }, stats };
}
