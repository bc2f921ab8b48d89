/**
 * Where reconcile results go: with a store, the latest status, drift report and
 * operation result go to Redis, where the HTTP API of every replica reads them
 * (whatever the Application's origin); Applications that live in the cluster
 * also get the status written to their status subresource, and Kubernetes
 * Events for what happened (synced, rollout failed, rolled back...).
 * Applications from a file exist only in Redis and in the logs.
 */
import type { ReleaseEvent, ReleaseStepResult } from '../../sync/index.ts';
import type { DriftCheckResult } from '../../sync/drift-check.ts';
import {
  eventReasons, invalidSpecConditions, parseApplicationKey, recordApplicationEvent, writeApplicationStatus,
  type ApplicationEvent, type ApplicationStatus,
} from '../application/index.ts';
import type { Logger } from '../log.ts';
import type { RestClient } from '../kube/rest.ts';
import type { OperationReport, StatusWriter } from '../server/status-store.ts';
import type { RegisteredApp } from '../application/app-registry.ts';

/** What a reconcile found besides the status: the drift report and the commit it compares against. */
export interface PublishDetails {
  drift?: DriftCheckResult | undefined;
  revision?: string | undefined;
}

export interface StatusSink {
  publish(app: Extract<RegisteredApp, { valid: true }>, status: ApplicationStatus, step: ReleaseStepResult | undefined, details?: PublishDetails): Promise<void>;
  /** The result of an operation a person asked for that leaves no status behind (a dry run). */
  operation(key: string, report: OperationReport): Promise<void>;
  invalid(app: Extract<RegisteredApp, { valid: false }>): Promise<void>;
}

/** `prefix` + `message`, unless the release step already wrote that prefix (its failure messages name the revision). */
const saying = (prefix: string, message: string): string => (message.startsWith(prefix) ? message : `${prefix}${message}`);

/** The Kubernetes Event a release event deserves, if any. */
export function eventFor(event: ReleaseEvent): ApplicationEvent | undefined {
  switch (event.type) {
    case 'SyncSucceeded':
      return { type: 'Normal', reason: eventReasons.Synced, message: `synced revision ${event.revision}` };
    case 'SyncFailed':
      return { type: 'Warning', reason: eventReasons.SyncFailed, message: saying(`sync of ${event.revision} failed: `, event.message) };
    case 'RenderFailed':
      return { type: 'Warning', reason: eventReasons.RenderFailed, message: saying(`render of ${event.revision} failed: `, event.message) };
    case 'RolloutHealthy':
      return { type: 'Normal', reason: eventReasons.RolloutSucceeded, message: `revision ${event.revision} is Healthy` };
    case 'RolloutFailed':
      return { type: 'Warning', reason: eventReasons.RolloutFailed, message: saying(`rollout of ${event.revision} failed: `, event.message) };
    default:
      return undefined;
  }
}

/** Events for one release step: what the state machine saw, and the rollbacks it ordered. */
export function eventsOf(step: ReleaseStepResult | undefined): ApplicationEvent[] {
  if (!step) return [];
  const events = step.events.flatMap((event) => eventFor(event) ?? []);
  for (const action of step.actions) {
    if (action.kind === 'rollback') {
      events.push({ type: 'Warning', reason: eventReasons.RolledBack, message: `rolling back to ${action.revision} after ${action.failedRevision} failed` });
    }
  }
  return events;
}

export function createStatusSink(rest: RestClient | undefined, log: Logger, store?: StatusWriter): StatusSink {
  // The API's copy is best effort: a Redis hiccup must not fail (and so retry) a reconcile that worked.
  const toStore = async (key: string, write: (writer: StatusWriter) => Promise<void>): Promise<void> => {
    if (!store) return;
    await write(store).catch((error: unknown) => {
      log.warn({ app: key, err: error instanceof Error ? error.message : String(error) }, 'could not store the status for the API');
    });
  };

  const emit = async (app: RegisteredApp & { valid: true }, event: ApplicationEvent): Promise<void> => {
    log.info({ app: app.key, event: event.reason }, event.message);
    if (!rest || app.origin !== 'cluster') return;
    await recordApplicationEvent(rest, app.application, event).catch((error: unknown) => {
      log.warn({ app: app.key, err: error instanceof Error ? error.message : String(error) }, 'could not record an Event');
    });
  };

  return {
    async publish(app, status, step, details) {
      const now = new Date();
      await toStore(app.key, async (writer) => {
        await writer.saveStatus(app.key, status, now);
        if (details?.drift) await writer.saveDrift(app.key, details.drift, details.revision, now);
      });
      for (const event of eventsOf(step)) await emit(app, event);
      if (rest && app.origin === 'cluster') await writeApplicationStatus(rest, app.application.metadata, status);
    },
    async invalid(app) {
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const status: ApplicationStatus = { conditions: invalidSpecConditions(undefined, app.problems, undefined, now) };
      await toStore(app.key, (writer) => writer.saveStatus(app.key, status, new Date()));
      log.warn({ app: app.key }, app.message);
      if (rest && app.origin === 'cluster') {
        const key = parseApplicationKey(app.key);
        if (key?.namespace && key.name) await writeApplicationStatus(rest, key, status);
      }
    },
    async operation(key, report) {
      await toStore(key, (writer) => writer.saveOperation(key, report));
    },
  };
}
