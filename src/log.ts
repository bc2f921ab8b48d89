/**
 * Structured JSON logs (pino). Every line of a reconcile carries `app`,
 * `revision` and `job` through child loggers. Redaction is the second line of
 * defence for credentials: the first is never logging objects that hold them.
 */
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

const redactedPaths = [
  'password', '*.password', 'token', '*.token', 'authorization', '*.authorization',
  'headers.authorization', 'headers.cookie', 'credentials', '*.credentials', 'secret', '*.secret',
];

export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service: 'berth' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
