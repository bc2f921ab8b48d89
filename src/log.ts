/**
 * Structured JSON logs (pino). Every line of a reconcile carries `app`,
 * `revision` and `job` through child loggers. Redaction is the second line of
 * defence for credentials: the first is never logging objects that hold them.
 * Besides the named fields, every line loses the user-info of any URL in it
 * (`https://user:token@host` -> `https://***@host`), whichever field or message
 * carries it: Applications may not hold such URLs (the schema refuses them),
 * but an error text of a Git or HTTP client may still echo one.
 */
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

const redactedPaths = [
  'password', '*.password', 'token', '*.token', 'authorization', '*.authorization',
  'headers.authorization', 'headers.cookie', 'credentials', '*.credentials', 'secret', '*.secret',
];

/**
 * `scheme://userinfo@`: the user-info ends at the first `@` before any `/`,
 * `?` or `#` (RFC 3986 3.2.1). Quotes and backslashes end it too, so a match
 * never runs across the end of a JSON string.
 */
const urlUserInfo = /([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s"'\\]*@/gi;

/** `text` with the user-info of every URL in it replaced by `***`. The one place Berth strips URL credentials. */
export function redactUrlCredentials(text: string): string {
  return text.includes('@') ? text.replace(urlUserInfo, '$1***@') : text;
}

/** `value` with `redactUrlCredentials` applied to every string in it (a copy; the input is not changed). */
export function redactUrlCredentialsDeep<T>(value: T): T {
  if (typeof value === 'string') return redactUrlCredentials(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactUrlCredentialsDeep(item)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactUrlCredentialsDeep(item as unknown)])) as T;
  }
  return value;
}

export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service: 'berth' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // On the serialized line, so messages, error texts and stacks are covered as well as fields.
    hooks: { streamWrite: redactUrlCredentials },
  };
  return destination ? pino(options, destination) : pino(options);
}
