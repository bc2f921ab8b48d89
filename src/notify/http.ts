/**
 * The real HttpPost the providers reach the network through: one request, a
 * hard timeout (a hanging receiver costs a delivery attempt, never a
 * reconcile), no redirects (one could carry a token to another host), a 64 KiB
 * cap on what is read back, and the destination checked against the
 * notification network policy before connecting: link-local and cloud metadata
 * addresses never, private and loopback ones only with
 * --notification-allow-private. A tenant writes the address; it must not make
 * Berth POST into the cluster's own network.
 */
import { lookup } from 'node:dns/promises';
import { classifyAddress, classifyHost } from '../policy/addresses.ts';
import type { HttpPost, HttpResponse } from './providers/provider.ts';

export interface NotificationNetworkPolicy {
  allowPrivate: boolean;
}

const maxResponseBytes = 64 * 1024;

/** Why the host may not be reached, or undefined when it may. Names the host, never the URL (it may be a credential). */
export async function refusalOf(url: URL, policy: NotificationNetworkPolicy): Promise<string | undefined> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let classes = [classifyHost(host)];
  if (classes[0] === undefined) {
    const addresses = await lookup(host, { all: true }).catch(() => []);
    classes = addresses.map((entry) => classifyAddress(entry.address));
  }
  if (classes.some((kind) => kind === 'link-local' || kind === 'metadata')) return `the receiver's host ${host} is a link-local or metadata address, which notifications never reach`;
  if (!policy.allowPrivate && classes.some((kind) => kind === 'private' || kind === 'loopback')) {
    return `the receiver's host ${host} is a private or loopback address (allow with --notification-allow-private)`;
  }
  return undefined;
}

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < maxResponseBytes) {
    const chunk = await reader.read();
    if (chunk.done) break;
    chunks.push(chunk.value);
    size += chunk.value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, maxResponseBytes).toString('utf8');
}

export function createNotificationHttp(policy: NotificationNetworkPolicy): HttpPost {
  return async (request) => {
    const url = new URL(request.url);
    const refusal = await refusalOf(url, policy);
    if (refusal) throw new Error(refusal);
    const signal = AbortSignal.timeout(request.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method, headers: request.headers, redirect: 'manual', signal,
        ...(request.body === undefined ? {} : { body: request.body }),
      });
    } catch (error) {
      // fetch's messages name the URL; say only what happened.
      if (signal.aborted) throw new Error(`no answer within ${request.timeoutMs} ms`, { cause: error });
      const cause = (error as { cause?: { code?: unknown } }).cause;
      throw new Error(`connection failed${typeof cause?.code === 'string' ? ` (${cause.code})` : ''}`, { cause: error });
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => { headers[name.toLowerCase()] = value; });
    const body = await readCapped(response).catch(() => '');
    const result: HttpResponse = { status: response.status, headers, body };
    return result;
  };
}
