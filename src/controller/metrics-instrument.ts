/**
 * Wrappers that feed BerthMetrics from the controller's parts without those
 * parts knowing about metrics: the status sink (syncs, rollbacks, the
 * Application info series), the registry (an Application's series goes when the
 * Application does) and the reconcile function (its duration and result).
 * Each wrapper keeps every other member of what it wraps as it is.
 */
import { parseApplicationKey, type ApplicationStatus } from '../application/index.ts';
import type { AppRegistry } from '../application/app-registry.ts';
import type { StatusSink } from './status-sink.ts';
import type { ReconcileFunction } from '../queue/reconcile-job.ts';
import type { ReleaseStepResult } from '../../sync/index.ts';
import type { ApplicationName, BerthMetrics } from '../metrics/metrics.ts';

/** `<namespace>/<name>` as its two parts; a bare name has no namespace. */
export function applicationName(key: string): ApplicationName {
  return parseApplicationKey(key) ?? { namespace: '', name: key };
}

/** Counts the syncs (dry runs excluded) and rollbacks one release step carried out. */
export function recordStep(metrics: BerthMetrics, step: ReleaseStepResult | undefined): void {
  if (!step) return;
  for (const sync of step.syncs) {
    if (sync.dryRun) continue;
    metrics.synced(sync.phase, Math.max(0, sync.finishedAt - sync.startedAt) / 1000);
  }
  for (const action of step.actions) if (action.kind === 'rollback') metrics.rolledBack();
}

/** The info series of an Application with this status. */
export function recordStatus(metrics: BerthMetrics, key: string, status: ApplicationStatus): void {
  metrics.applicationStatus(applicationName(key), {
    syncStatus: status.sync?.status ?? 'Unknown',
    healthStatus: status.health?.status ?? 'Unknown',
    revision: status.sync?.revision,
  });
}

/**
 * The status sink, also counting what each published step did and keeping the
 * info series. A reconcile that finishes after its Application was removed
 * (`isRegistered` false) does not bring the series back.
 */
export function reportingStatus(sink: StatusSink, metrics: BerthMetrics, isRegistered: (key: string) => boolean): StatusSink {
  return {
    ...sink,
    async publish(...args: Parameters<StatusSink['publish']>) {
      const [app, status, step] = args;
      recordStep(metrics, step);
      if (isRegistered(app.key)) recordStatus(metrics, app.key, status);
      await sink.publish(...args);
    },
    async invalid(app) {
      if (isRegistered(app.key)) recordStatus(metrics, app.key, {});
      await sink.invalid(app);
    },
  };
}

/** The registry, removing an Application's info series when the Application is removed. */
export function forgettingRemoved(registry: AppRegistry, metrics: BerthMetrics): AppRegistry {
  return {
    ...registry,
    remove(key) {
      const removed = registry.remove(key);
      metrics.applicationRemoved(applicationName(key));
      return removed;
    },
  };
}

/** The reconcile function, timed: `recheck` when it asks to look again (a rollout in progress). */
export function timedReconcile(reconcile: ReconcileFunction, metrics: BerthMetrics): ReconcileFunction {
  return async (job, context) => {
    const started = performance.now();
    try {
      const outcome = await reconcile(job, context);
      metrics.reconciled(outcome.recheckAt === undefined ? 'success' : 'recheck', (performance.now() - started) / 1000);
      return outcome;
    } catch (error) {
      metrics.reconciled('error', (performance.now() - started) / 1000);
      throw error;
    }
  };
}
