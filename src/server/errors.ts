/**
 * One HTTP error type and one error handler. Routes throw `HttpError` (or let
 * body parsers and zod fail); the handler answers `application/problem+json`
 * as RFC 9457 describes (type, title, status, detail, instance). An unexpected
 * error is logged with its stack and answered with a generic 500: no stack,
 * no message of an internal error, ever reaches a client.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from '../log.ts';

/** Problem types, each a stable URI documented in the OpenAPI document. */
export const problemTypes = {
  invalidRequest: 'invalid-request',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  notFound: 'not-found',
  routeNotFound: 'route-not-found',
  methodNotAllowed: 'method-not-allowed',
  conflict: 'conflict',
  payloadTooLarge: 'payload-too-large',
  unsupportedMediaType: 'unsupported-media-type',
  rateLimited: 'rate-limited',
  unavailable: 'unavailable',
  internal: 'internal',
} as const;
export type ProblemType = (typeof problemTypes)[keyof typeof problemTypes];

export const problemTypeBase = 'https://berth.dev/problems/';

const titles: Record<ProblemType, string> = {
  'invalid-request': 'Invalid request',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  'not-found': 'Not found',
  'route-not-found': 'No such route',
  'method-not-allowed': 'Method not allowed',
  conflict: 'Conflict',
  'payload-too-large': 'Payload too large',
  'unsupported-media-type': 'Unsupported media type',
  'rate-limited': 'Too many requests',
  unavailable: 'Service unavailable',
  internal: 'Internal server error',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  [extension: string]: unknown;
}

export interface HttpErrorOptions {
  cause?: unknown;
  /** Extra members of the problem document (RFC 9457 extensions), e.g. `errors`. */
  extensions?: Record<string, unknown>;
  /** Response headers, e.g. `Retry-After`, `WWW-Authenticate`. */
  headers?: Record<string, string>;
}

export class HttpError extends Error {
  readonly status: number;
  readonly type: ProblemType;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(status: number, type: ProblemType, detail: string, options: HttpErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.type = type;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

export function sendProblem(response: Response, instance: string, error: HttpError): void {
  const problem: Problem = {
    ...error.extensions,
    type: `${problemTypeBase}${error.type}`, title: titles[error.type], status: error.status, detail: error.message, instance,
  };
  response.status(error.status).set(error.headers).type('application/problem+json').send(JSON.stringify(problem));
}

/** body-parser's errors carry `status` and a `type` such as `entity.too.large`. */
function fromBodyParser(error: unknown): HttpError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type } = error as { status?: unknown; type?: unknown };
  if (typeof type !== 'string' || typeof status !== 'number') return undefined;
  if (type === 'entity.too.large') {
    const limit = (error as { limit?: unknown }).limit;
    return new HttpError(413, 'payload-too-large', `request body is over the limit${typeof limit === 'number' ? ` of ${limit} bytes` : ''}`);
  }
  if (type === 'entity.parse.failed') return new HttpError(400, 'invalid-request', 'request body is not valid JSON');
  if (status === 415) return new HttpError(415, 'unsupported-media-type', `request body could not be read (${type})`);
  if (status >= 400 && status < 500) return new HttpError(status, 'invalid-request', `request body could not be read (${type})`);
  return undefined;
}

/**
 * Client errors raised below the routes without a body-parser `type`: the
 * router's URIError for a path that is not valid percent-encoding (`/%`), and
 * zlib's error for a body whose Content-Encoding does not inflate. Both carry
 * status 400; without this they were answered as 500s and logged as failures.
 */
function fromClientFault(error: unknown): HttpError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  if (status !== 400) return undefined;
  if (error instanceof URIError) return new HttpError(400, 'invalid-request', 'the request path is not valid percent-encoding');
  // http-errors marks what may be shown to a client; an internal error with a 400 (a Kubernetes answer) is not.
  return expose === true ? new HttpError(400, 'invalid-request', 'request body could not be read (its Content-Encoding does not decode)') : undefined;
}

/** The path of the request, without its query: the problem's `instance`. */
function instanceOf(originalUrl: string): string {
  const query = originalUrl.indexOf('?');
  return query < 0 ? originalUrl : originalUrl.slice(0, query);
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, request, response, next) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    const known = error instanceof HttpError ? error : fromBodyParser(error) ?? fromClientFault(error);
    if (known) {
      sendProblem(response, instanceOf(request.originalUrl), known);
      return;
    }
    log.error({ err: error, method: request.method, path: instanceOf(request.originalUrl) }, 'request failed');
    sendProblem(response, instanceOf(request.originalUrl), new HttpError(500, 'internal', 'the request failed unexpectedly; the server log has the details'));
  };
}

/** The last handler: no route matched. */
export const routeNotFound: RequestHandler = (request, _response, next) => {
  next(new HttpError(404, 'route-not-found', `no route ${request.method} ${instanceOf(request.originalUrl)}`));
};
