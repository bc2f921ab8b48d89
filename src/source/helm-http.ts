/**
 * One GET for the chart sources (Helm repository index and archives, OCI
 * registry API), over the same HTTP client as Git (http-client.ts): a deadline
 * per request, a byte cap, the network policy checked at connect time, and
 * redirects within the origin only. A redirect to another origin (a registry
 * handing a blob to its storage) is followed as a new request *without*
 * credentials, and only up to 3 times, so a token never leaves for another
 * host. Failures are source errors naming `where`.
 */
import type { HttpClient } from 'isomorphic-git';
import { InvalidSourceError, TransientSourceError } from '../errors.ts';
import { toSourceError } from './git-errors.ts';
import { createHttpClient, type HttpLimits } from './http-client.ts';

export interface HttpAnswer {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
}

export interface GetOptions {
  headers?: Record<string, string>;
  limits: HttpLimits;
  /** Names what is fetched in messages: `https://charts.example.com/ index.yaml`. */
  where: string;
  /** Statuses returned rather than thrown (304 for an ETag, 401 for a token challenge). */
  accept?: readonly number[];
}

async function readAll(client: HttpClient, url: string, headers: Record<string, string>): Promise<HttpAnswer> {
  const response = await client.request({ url, method: 'GET', headers });
  const chunks: Uint8Array[] = [];
  if (response.body) for await (const chunk of response.body) chunks.push(chunk);
  return { status: response.statusCode, headers: response.headers ?? {}, body: Buffer.concat(chunks), url: response.url };
}

export async function httpGet(url: string, options: GetOptions): Promise<HttpAnswer> {
  const { client } = createHttpClient(options.limits);
  let target = url;
  let headers: Record<string, string> = { 'user-agent': 'berth', ...options.headers };
  let answer: HttpAnswer;
  try {
    for (let hops = 0; ; hops++) {
      answer = await readAll(client, target, headers);
      const location = answer.headers.location;
      if (answer.status < 300 || answer.status >= 400 || answer.status === 304 || !location || hops >= 3) break;
      const next = new URL(location, answer.url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') break;
      // Another origin (http-client.ts follows same-origin ones itself): go without credentials.
      const { authorization: _dropped, Authorization: _alsoDropped, ...rest } = headers;
      headers = rest;
      target = next.toString();
    }
  } catch (error) {
    throw toSourceError(error, options.where, Boolean(options.headers?.Authorization));
  }
  if (options.accept?.includes(answer.status) || (answer.status >= 200 && answer.status < 300)) return answer;
  throw statusError(answer.status, options.where, Boolean(options.headers?.Authorization));
}

export function statusError(status: number, where: string, hadCredentials: boolean): InvalidSourceError | TransientSourceError {
  if (status === 401 || status === 403) {
    return new InvalidSourceError('AuthenticationFailed', hadCredentials
      ? `${where}: the server rejected the credentials (HTTP ${status})`
      : `${where}: the server requires credentials (HTTP ${status}); set credentialsSecret`);
  }
  if (status === 404) return new InvalidSourceError('RevisionNotFound', `${where}: not found (HTTP 404)`);
  if (status >= 300 && status < 400) return new InvalidSourceError('InvalidURL', `${where}: redirected (HTTP ${status}) more often or further than Berth follows`);
  return new TransientSourceError('FetchFailed', `${where}: the server answered HTTP ${status}`);
}
