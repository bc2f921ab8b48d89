/**
 * The steps every adapter shares, each returning data rather than throwing:
 * header lookup, the size limit, decoding the body and validating it with zod.
 * An adapter is these steps in order, then `buildPushEvent`.
 */
import type { z } from 'zod';
import {
  defaultMaxBodyBytes,
  type PushEvent,
  type Rejected,
  type RejectionStatus,
  type WebhookHeaders,
  type WebhookOptions,
  type WebhookResult,
} from './push-event.ts';

export type Outcome<T> = { readonly kind: 'ok'; readonly value: T } | Rejected;

export function rejected(status: RejectionStatus, reason: string): Rejected {
  return { kind: 'rejected', status, reason };
}

export function ignored(reason: string): WebhookResult {
  return { kind: 'ignored', reason };
}

export function ping(reason: string): WebhookResult {
  return { kind: 'ping', reason };
}

export function pushes(events: readonly PushEvent[], deliveryId: string | undefined, noneReason: string): WebhookResult {
  const [first, ...rest] = events;
  if (first === undefined) return ignored(noneReason);
  return deliveryId === undefined ? { kind: 'push', events: [first, ...rest] } : { kind: 'push', deliveryId, events: [first, ...rest] };
}

/** A header's value; repeated values are joined with ", " as Node does for unknown headers. */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const lower = name.toLowerCase();
  let value = Object.hasOwn(headers, lower) ? headers[lower] : undefined;
  if (value === undefined) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === lower);
    value = key === undefined ? undefined : headers[key];
  }
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(', ');
}

/** The first of `names` that is present, with its value. */
export function firstHeader(headers: WebhookHeaders, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = headerValue(headers, name);
    if (value !== undefined) return { name, value };
  }
  return undefined;
}

/** A delivery id header, ignoring blank and absurdly long values (it only ever serves as a dedup key). */
export function deliveryIdFrom(headers: WebhookHeaders, names: readonly string[]): string | undefined {
  const found = firstHeader(headers, names);
  const id = found?.value.trim();
  return id && id.length <= 200 ? id : undefined;
}

/**
 * The body must be the raw bytes: a signature is over bytes, and a body that
 * Express already parsed as JSON cannot be verified. Passing anything else is a
 * wiring mistake, so it throws rather than answering 401 to every delivery.
 */
export function checkBodySize(rawBody: Uint8Array, options: WebhookOptions | undefined): Rejected | undefined {
  if (!(rawBody instanceof Uint8Array)) {
    throw new TypeError('webhook body must be the raw request bytes (a Buffer); mount express.raw() on the webhook route');
  }
  const limit = options?.maxBodyBytes ?? defaultMaxBodyBytes;
  return rawBody.byteLength > limit ? rejected(413, `body is ${rawBody.byteLength} bytes, over the limit of ${limit}`) : undefined;
}

/** A value from a delivery, quoted and cut short, for reasons. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Whether a Content-Type is a form (`application/x-www-form-urlencoded`, any parameters). */
export function isFormContentType(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** The UTF-8 bytes of a form body's `field`, undefined when the body is not UTF-8 or has no such field. */
export function formFieldBytes(form: Uint8Array, field: string): Buffer | undefined {
  let text: string;
  try {
    text = utf8.decode(form);
  } catch {
    return undefined;
  }
  const value = new URLSearchParams(text).get(field);
  return value === null ? undefined : Buffer.from(value, 'utf8');
}

/**
 * The body as a JSON value. With `formField`, an
 * `application/x-www-form-urlencoded` body carries the JSON in that field
 * (GitHub and Gitea offer this content type).
 */
export function decodeJsonBody(rawBody: Uint8Array, contentType: string | undefined, formField?: string): Outcome<unknown> {
  let text: string;
  try {
    text = utf8.decode(rawBody);
  } catch {
    return rejected(400, 'body is not valid UTF-8');
  }
  if (formField !== undefined && isFormContentType(contentType)) {
    const field = new URLSearchParams(text).get(formField);
    if (field === null) return rejected(400, `${formField}: form field is missing`);
    text = field;
  }
  try {
    return { kind: 'ok', value: JSON.parse(text) as unknown };
  } catch {
    // The parser's message quotes the body; the reason stays short and generic.
    return rejected(400, 'body is not valid JSON');
  }
}

function issuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    text += typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${String(key)}`;
  }
  return text || 'body';
}

/** Validates with zod; the rejection names the first fields at fault. */
export function validatePayload<S extends z.ZodType>(schema: S, value: unknown): Outcome<z.output<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { kind: 'ok', value: result.data };
  const problems = result.error.issues.slice(0, 3).map((issue) => {
    const where = issuePath(issue.path);
    return issue.code === 'invalid_type' && issue.message.endsWith('received undefined') ? `${where}: required` : `${where}: ${issue.message}`;
  });
  return rejected(400, problems.join('; '));
}

/** Decode, then validate: the body of one event type. */
export function parsePayload<S extends z.ZodType>(
  schema: S,
  rawBody: Uint8Array,
  contentType: string | undefined,
  formField?: string,
): Outcome<z.output<S>> {
  const json = decodeJsonBody(rawBody, contentType, formField);
  return json.kind === 'ok' ? validatePayload(schema, json.value) : json;
}

/** Every URL, once, in order, leaving out blanks. */
export function distinctUrls(urls: readonly (string | null | undefined)[]): string[] {
  return [...new Set(urls.filter((url): url is string => typeof url === 'string' && url.trim() !== '').map((url) => url.trim()))];
}
