/**
 * From an HTTP exchange to a DeliveryOutcome, the same way for every provider:
 * 2xx delivered; 408, 429 and 5xx retried, after `Retry-After` (delta-seconds or
 * an HTTP-date, RFC 9110 10.2.3) when given; GitHub's exhausted rate limit
 * (403 with `x-ratelimit-remaining: 0`) retried at `x-ratelimit-reset`; any
 * other status dropped with the receiver's reason; no response at all (refused,
 * reset, timeout) retried. Every reason passes through the provider's redactor,
 * so a receiver that echoes the token or the webhook URL does not leak it.
 */
import type { DeliveryOutcome, HttpPost, HttpRequest, HttpResponse, ProviderConfig } from './event.ts';

/** A hostile receiver must not park a job for a year with `Retry-After: 31536000`. */
export const maxRetryAfterMs = 60 * 60 * 1000;
export const defaultTimeoutMs = 10_000;
const maxReasonBody = 200;

/** `Retry-After` in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, maxRetryAfterMs);
  // Date.parse takes many forms; an HTTP-date always names a weekday and GMT.
  if (!/^[A-Z][a-z]{2}, .+ GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), maxRetryAfterMs);
}

/** GitHub: 403 or 429 with the primary rate limit exhausted; retry at its reset (epoch seconds). */
function rateLimitResetMs(response: HttpResponse, now: number): number | undefined {
  if (response.headers['x-ratelimit-remaining'] !== '0') return undefined;
  const reset = response.headers['x-ratelimit-reset'];
  if (reset === undefined || !/^\d+$/.test(reset)) return undefined;
  return Math.min(Math.max(0, Number(reset) * 1000 - now), maxRetryAfterMs);
}

/** The address as a URL prints it (percent-encoded, with a `/` path), the form a client's error may carry. */
function normalized(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  try {
    return new URL(address.trim()).toString();
  } catch {
    return undefined;
  }
}

/** Replaces every secret value of `config` (and URL user-info) in a text meant for an outcome or a log. */
export function redactorFor(config: ProviderConfig): (text: string) => string {
  // A chat or webhook address is a credential (a Slack URL is its own token), path and query included; a Git host's is not.
  const address = ['slack', 'mattermost', 'rocketchat', 'msteams', 'webhook'].includes(config.kind) ? config.address : undefined;
  const basic = config.token === undefined || config.options?.tokenUsername === undefined ? undefined : Buffer.from(`${config.options.tokenUsername}:${config.token}`).toString('base64');
  const secrets = [config.token, config.secret, basic, address, normalized(address), address?.replace(/^[a-z]+:\/\/[^/]*/i, '')]
    .filter((value): value is string => value !== undefined && value.length >= 4)
    // Longest first, so an address that contains the token is replaced whole.
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let result = text;
    for (const secret of secrets) result = result.split(secret).join('***');
    return result.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s"'\\]*@/gi, '$1***@');
  };
}

function bodyExcerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > maxReasonBody ? `${flat.slice(0, maxReasonBody)}...` : flat;
}

/** `what` names the request without its URL (`slack webhook of team/alerts`), since URLs may be secret. */
export function outcomeOfResponse(response: HttpResponse, what: string, redact: (text: string) => string, now: number): DeliveryOutcome {
  const { status } = response;
  if (status >= 200 && status < 300) return { result: 'delivered', status };
  const said = bodyExcerpt(response.body);
  const reason = redact(`${what}: HTTP ${status}${said === '' ? '' : `: ${said}`}`);
  const limitReset = status === 403 || status === 429 ? rateLimitResetMs(response, now) : undefined;
  const retryAfter = parseRetryAfter(response.headers['retry-after'], now);
  // GitHub's secondary rate limit is a 403 with Retry-After.
  if (status === 408 || status === 429 || status >= 500 || limitReset !== undefined || (status === 403 && retryAfter !== undefined)) {
    const retryAfterMs = retryAfter ?? limitReset;
    return retryAfterMs === undefined ? { result: 'retry', reason, status } : { result: 'retry', reason, status, retryAfterMs };
  }
  return { result: 'dropped', reason, status };
}

/** The exchange, or the outcome of there being no response. */
export async function exchange(
  http: HttpPost,
  request: Omit<HttpRequest, 'timeoutMs'>,
  config: ProviderConfig,
  what: string,
): Promise<HttpResponse | DeliveryOutcome> {
  try {
    return await http({ ...request, timeoutMs: config.options?.timeoutMs ?? defaultTimeoutMs });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { result: 'retry', reason: redactorFor(config)(`${what}: no response: ${message}`) };
  }
}

export function isOutcome(value: HttpResponse | DeliveryOutcome): value is DeliveryOutcome {
  return 'result' in value;
}

/** The configured address as a URL, or why it cannot be used (never printing it: it may be a credential). */
export function parseAddress(config: ProviderConfig, address: string | undefined): URL | string {
  if (address === undefined || address.trim() === '') return `${config.kind} provider ${config.name}: no address is configured`;
  let url: URL;
  try {
    url = new URL(address.trim());
  } catch {
    return `${config.kind} provider ${config.name}: the address is not a valid URL`;
  }
  if (url.username !== '' || url.password !== '') return `${config.kind} provider ${config.name}: the address must not hold credentials; put the token in the Secret`;
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && config.options?.allowHttp === true) return url;
  return url.protocol === 'http:'
    ? `${config.kind} provider ${config.name}: the address is http://, which is not allowed (tokens and bodies would travel in clear); use https://`
    : `${config.kind} provider ${config.name}: the address must be https://, not ${url.protocol}`;
}

export function dropped(reason: string): DeliveryOutcome {
  return { result: 'dropped', reason };
}
