/**
 * The `berth` client commands' view of the controller's HTTP API: requests with
 * the bearer token, answers as JSON (or text), and one error type whose message
 * is the server's problem detail, or why the server could not be reached.
 * Also the exit codes every client command promises, and the resolution of an
 * APP argument (`name` or `namespace/name`) to its API path.
 */
export const exitCodes = {
  success: 0,
  /** `berth diff`: the Application is OutOfSync. */
  outOfSync: 1,
  /** Invalid arguments or options. */
  usage: 2,
  /** The request failed: server unreachable, or a 4xx/5xx answer. */
  requestFailed: 3,
  /** `berth diff`: the drift is Unknown (no report yet, or the last check failed), so it cannot say. */
  driftUnknown: 4,
} as const;

export const exitCodesHelp = `
Exit codes:
  0  success
  1  (berth diff) the Application is OutOfSync
  2  usage error or invalid arguments
  3  the request failed: server unreachable, or an error answer (its problem detail is printed)
  4  (berth diff) the drift is Unknown: no report yet, or the last check failed`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export class RequestError extends Error {
  readonly status: number | undefined;

  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RequestError';
    this.status = status;
  }
}

export interface ClientOptions {
  server: string;
  token: string | undefined;
}

export interface ApiClient {
  json: <T>(method: 'GET' | 'POST', path: string, body?: unknown) => Promise<T>;
  text: (path: string) => Promise<{ body: string; headers: Headers }>;
}

async function failureOf(response: Response, method: string, url: string): Promise<RequestError> {
  const text = await response.text().catch(() => '');
  try {
    const problem = JSON.parse(text) as { title?: unknown; detail?: unknown };
    if (typeof problem.detail === 'string') {
      const title = typeof problem.title === 'string' ? problem.title : response.statusText;
      return new RequestError(`${title} (${response.status}): ${problem.detail}`, response.status);
    }
  } catch {
    // Not a problem document: say what came back.
  }
  return new RequestError(`${method} ${url}: ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`, response.status);
}

export function createApiClient(options: ClientOptions): ApiClient {
  const base = options.server.replace(/\/+$/, '');
  const request = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const url = `${base}${path}`;
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json, text/plain' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
      throw new RequestError(`cannot reach the Berth server at ${base}: ${cause}`, undefined, { cause: error });
    }
    if (!response.ok) throw await failureOf(response, method, url);
    return response;
  };
  return {
    async json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
      return await (await request(method, path, body)).json() as T;
    },
    async text(path) {
      const response = await request('GET', path);
      return { body: await response.text(), headers: response.headers };
    },
  };
}

const dns1123 = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * The API path of APP: `namespace/name` as given, or a bare `name` looked up
 * among the registered Applications (a usage error when two namespaces have it).
 */
export async function applicationPath(client: ApiClient, app: string): Promise<string> {
  const parts = app.split('/');
  if (parts.length > 2 || parts.some((part) => !dns1123.test(part))) {
    throw new UsageError(`APP must be <name> or <namespace>/<name> with DNS-1123 names, got ${JSON.stringify(app)}`);
  }
  let [namespace, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (namespace === undefined) {
    const { items } = await client.json<{ items: { namespace: string; name: string }[] }>('GET', '/api/v1/applications');
    const found = items.filter((item) => item.name === name);
    if (found.length === 0) throw new RequestError(`no Application named ${JSON.stringify(name)} is registered`, 404);
    if (found.length > 1) throw new UsageError(`${JSON.stringify(name)} is ambiguous: say ${found.map((item) => `${item.namespace}/${item.name}`).join(' or ')}`);
    [namespace, name] = [found[0]?.namespace, found[0]?.name];
  }
  return `/api/v1/namespaces/${encodeURIComponent(namespace ?? '')}/applications/${encodeURIComponent(name ?? '')}`;
}
