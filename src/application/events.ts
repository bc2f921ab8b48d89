/**
 * Kubernetes Events on an Application (core/v1 Event, which `kubectl describe`
 * and `kubectl events` both show): sync, failure, rollback, degradation.
 *
 * Promises: the message never carries credentials. Callers must not put secret
 * values in it, and as a second line of defence the recorder strips URL
 * userinfo (`https://user:token@host`), authorization headers and
 * `token=` / `password=` style pairs before sending. Messages are cut to 1 KiB.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubeObject } from '../../objects.ts';
import type { RestClient } from '../kube/rest.ts';
import { formatApplicationKey } from './parse.ts';
import { apiVersion, applicationKind } from './schema.ts';

export const eventTypes = { Normal: 'Normal', Warning: 'Warning' } as const;
export type EventType = (typeof eventTypes)[keyof typeof eventTypes];

/** Reasons the controller uses; CamelCase as Kubernetes expects. */
export const eventReasons = {
  Synced: 'Synced',
  SyncFailed: 'SyncFailed',
  RenderFailed: 'RenderFailed',
  RolloutSucceeded: 'RolloutSucceeded',
  RolloutFailed: 'RolloutFailed',
  RolledBack: 'RolledBack',
  RollbackFailed: 'RollbackFailed',
  Degraded: 'Degraded',
  InvalidSpec: 'InvalidSpec',
  /** A notification given up on after its retries (src/notify). */
  NotificationDropped: 'NotificationDropped',
} as const;

export interface ApplicationEvent {
  type: EventType;
  reason: string;
  message: string;
}

export interface RecordEventOptions {
  /** `source.component` and `reportingComponent`. */
  component?: string;
  /** `reportingInstance`: which replica said it (default: the host name). */
  instance?: string;
  now?: Date;
}

/** The Application an Event is about; `uid` lets `kubectl describe` match it to this very object. */
export type EventSubject = Pick<KubeObject, 'metadata'> & { metadata: { name: string; namespace: string } };

const maxMessageLength = 1024;

/** Removes credentials that error texts of git, helm or HTTP clients tend to echo. */
export function redactCredentials(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@')
    .replace(/\b(authorization:\s*)(bearer|basic)\s+\S+/gi, '$1$2 ***')
    .replace(/\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***')
    .replace(/\b(password|passwd|token|secret|api[_-]?key)(["']?\s*[=:]\s*["']?)[^\s"',;&]+/gi, '$1$2***');
}

/** Records one Event on the Application; returns the Event as stored. */
export async function recordApplicationEvent(
  rest: RestClient,
  subject: EventSubject,
  event: ApplicationEvent,
  options: RecordEventOptions = {},
): Promise<KubeObject> {
  const { name, namespace, uid, resourceVersion } = subject.metadata;
  const now = (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const component = options.component ?? 'berth-controller';
  const redacted = redactCredentials(event.message);
  const message = redacted.length > maxMessageLength ? `${redacted.slice(0, maxMessageLength - 3)}...` : redacted;
  // Unique like client-go's `<name>.<hex time>`; the name stays a valid DNS subdomain.
  const eventName = `${name.slice(0, 200)}.${Date.now().toString(16)}${randomBytes(4).toString('hex')}`;
  const body = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName, namespace },
    involvedObject: { apiVersion, kind: applicationKind, name, namespace, uid, resourceVersion },
    type: event.type,
    reason: event.reason,
    message,
    source: { component },
    reportingComponent: component,
    reportingInstance: options.instance ?? hostname(),
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
  try {
    const response = await rest.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, { body });
    return response.body as KubeObject;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Application ${formatApplicationKey({ namespace, name })}: recording event ${event.reason} failed: ${detail}`, { cause: error });
  }
}
