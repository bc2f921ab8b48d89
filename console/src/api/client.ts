/**
 * The console's only way to the server: same-origin fetch with the session
 * cookie, the CSRF header on every unsafe request (the token comes from the
 * session answer and lives in memory only), and RFC 9457 problems turned into
 * one error type whose `detail` the views show as the server wrote it.
 */
import type { Session } from './types.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;

  constructor(status: number, detail: string) {
    super(`${String(status)}: ${detail}`);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
  }
}

let csrfToken: string | undefined;
/** Called when any request answers 401: the session ended (expired, signed out elsewhere). */
let onUnauthorized: () => void = () => {};

export function rememberSession(session: Session | undefined): void {
  csrfToken = session?.csrfToken;
}

export function whenUnauthorized(callback: () => void): void {
  onUnauthorized = callback;
}

export type Query = Record<string, string | readonly string[] | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const one of typeof value === 'string' ? [value] : value) search.append(name, one);
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

async function problemOf(response: Response): Promise<ApiError> {
  let detail = response.statusText || 'request failed';
  try {
    const body = await response.json() as { detail?: unknown; title?: unknown };
    if (typeof body.detail === 'string') detail = body.detail;
    else if (typeof body.title === 'string') detail = body.title;
  } catch {
    // Not a problem document (a proxy's page): the status text says enough.
  }
  return new ApiError(response.status, detail);
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  /** A 401 here is an answer (the sign-in form asks), not a lost session. */
  quiet401?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-berth-csrf'] = csrfToken;
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!response.ok) {
    const error = await problemOf(response);
    if (response.status === 401 && !options.quiet401) onUnauthorized();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return await response.json() as T;
}

/** Answers asked for while the script starts, before the session is known (see `prefetch`). */
const early = new Map<string, Promise<unknown>>();

/**
 * Starts a read the first view will make, at the same time as the session
 * request instead of after it: one round trip less before the first render.
 * The view's own `api.get` of the same URL takes it over (once); a 401 here is
 * left to the session request to report.
 */
export function prefetch(path: string): void {
  const answer = request(path, { quiet401: true });
  answer.catch(() => undefined);
  early.set(path, answer);
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> => {
    const url = withQuery(path, query);
    const started = early.get(url);
    if (started) {
      early.delete(url);
      return started as Promise<T>;
    }
    return request<T>(url, signal ? { signal } : {});
  },
  post: <T>(path: string, body?: unknown): Promise<T> => request<T>(path, { method: 'POST', ...(body !== undefined ? { body } : {}) }),
};

export function applicationPath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/applications/${encodeURIComponent(name)}`;
}

export function consoleApplicationPath(namespace: string, name: string): string {
  return `/api/v1/console/namespaces/${encodeURIComponent(namespace)}/applications/${encodeURIComponent(name)}`;
}
