/**
 * One reconcile of one Application, as a queue job runs it:
 *   resolve the tracked ref (an automatic sync refuses an unrelated history:
 *   history-guard.ts) -> advance the release one step (render, sync,
 *   rollout check, rollback: sync/release.ts decides) -> check drift -> self-heal
 *   when asked -> persist the release record -> publish status and events.
 * It returns when to look again while a rollout is in progress, so waiting never
 * holds a worker. Invalid input (a bad spec, an SSH URL) is reported in status
 * and fails the job without retry; cluster and network trouble is retried.
 */
import { refKey, type ObjectRef } from '../../objects.ts';
import type { Health } from '../../health/index.ts';
import {
  advanceRelease, appendHistory, renderedRevision, runSync, UnrecoverableSyncError,
  type ClusterClient, type ReleaseRecord, type ReleaseTrigger, type RenderedRevision, type ReleaseStepResult, type SyncOptions,
} from '../../sync/index.ts';
import { prepareDesired } from '../../sync/desired-payload.ts';
import { adoptUnchangedRevision } from '../../sync/release-adopt.ts';
import { checkDrift, type DriftCheckResult } from '../../sync/drift-check.ts';
import { observeRollout } from '../../sync/release-observe.ts';
import { sharedReads } from '../../sync/shared-reads.ts';
import type { ResolvedApplicationSpec } from '../application/index.ts';
import type { Logger } from '../log.ts';
import type { KubeClusterClient } from '../kube/cluster-client.ts';
import type { ReconcileFunction, ReconcileJob, ReconcileOutcome } from '../queue/reconcile-job.ts';
import type { Renderer } from '../render/render.ts';
import { InvalidSourceError } from '../source/errors.ts';
import type { GitSource } from '../source/git-source.ts';
import { parseRepository, type GitCredentials } from '../source/repository.ts';
import type { AppRegistry, RegisteredApp } from './app-registry.ts';
import { dryRunSync, isDryRun, operationSyncOptions, targetOf } from './manual-operation.ts';
import { enforceSourcePolicy } from '../policy/enforce.ts';
import type { NamespacePolicy, SecurityPolicy } from '../policy/policy.ts';
import { createDriftMemo, type DriftMemo } from './drift-memo.ts';
import type { ReleaseStore } from './release-store.ts';
import { isAutomaticSync } from './history-guard.ts';
import { leavesPathsUntouched, renderCommit, revisionRenderer, unrelatedHistoryOf, type RenderContext } from './render-revision.ts';
import { buildStatus } from './status-report.ts';
import type { StatusSink } from './status-sink.ts';

export interface ReconcilerDeps {
  registry: AppRegistry;
  git: GitSource;
  renderer: Renderer;
  cluster: KubeClusterClient;
  releases: ReleaseStore;
  status: StatusSink;
  /** Credentials of an Application's repository (its credentialsSecret, else the controller's). */
  credentials(app: Extract<RegisteredApp, { valid: true }>): Promise<GitCredentials | undefined>;
  log: Logger;
  now?: () => Date;
  /** The controller-wide security policy (allowed repositories, destinations, cluster-scoped kinds). */
  policy?: SecurityPolicy;
  /** The policy of an Application's namespace (its berth-policy ConfigMap), which narrows `policy`. */
  namespacePolicy?(namespace: string): Promise<NamespacePolicy | undefined>;
  /**
   * The cluster client one Application syncs, prunes and reads through: one that
   * impersonates its ServiceAccount, so RBAC decides what it may do. Default: `cluster`.
   */
  clusterFor?(app: Extract<RegisteredApp, { valid: true }>): KubeClusterClient;
  /** When a poll tick may reuse the last drift check (drift-memo.ts); one per process by default. */
  driftMemo?: DriftMemo;
}

const initiatorOf = (job: ReconcileJob): 'auto' | 'webhook' | 'manual' =>
  job.reason === 'webhook' ? 'webhook' : job.reason === 'manual' ? 'manual' : 'auto';

async function liveHealth(cluster: ClusterClient, refs: readonly ObjectRef[]): Promise<Map<string, { ref: ObjectRef; health: Health | undefined }>> {
  const observed = await observeRollout(cluster, refs, 16);
  return new Map(observed.map(({ ref, health }) => [refKey(ref), { ref, health }]));
}

export function createReconciler(controllerDeps: ReconcilerDeps): ReconcileFunction {
  const now = controllerDeps.now ?? (() => new Date());
  const memo = controllerDeps.driftMemo ?? createDriftMemo();

  return async (job, context): Promise<ReconcileOutcome> => {
    const app = controllerDeps.registry.get(job.app);
    if (!app) return {}; // deleted since the job was queued
    // Everything this reconcile does in the cluster goes through the Application's own identity.
    const deps = app.valid && controllerDeps.clusterFor ? { ...controllerDeps, cluster: controllerDeps.clusterFor(app) } : controllerDeps;
    const log = deps.log.child({ app: job.app, reason: job.reason, job: context.jobId, attempt: context.attempt });
    log.debug({ announced: job.revision }, 'reconcile started');
    if (!app.valid) {
      await deps.status.invalid(app);
      throw new UnrecoverableSyncError('InvalidManifests', [app.message]);
    }
    const { application, spec } = app;

    let record: ReleaseRecord = await deps.releases.load(application.metadata);
    let renderContext: RenderContext;
    try {
      const namespacePolicy = deps.policy ? await deps.namespacePolicy?.(application.metadata.namespace) : undefined;
      renderContext = {
        git: deps.git, renderer: deps.renderer, application, spec, repository: parseRepository(spec.source.repoURL, await deps.credentials(app)),
        ...(deps.policy ? { policy: { security: deps.policy, namespace: namespacePolicy, cluster: deps.cluster } } : {}),
      };
      if (deps.policy) enforceSourcePolicy(renderContext.repository.url, deps.policy, namespacePolicy);
    } catch (error) {
      if (error instanceof InvalidSourceError) {
        await deps.status.publish(app, buildStatus({ application, record, drift: undefined, health: new Map(), error: error.message, now: now() }), undefined);
        throw new UnrecoverableSyncError('InvalidManifests', [error.message], { cause: error });
      }
      throw error;
    }

    let target;
    let refusal: string | undefined;
    try {
      target = await targetOf(renderContext, job);
      // Only where something would be synced: a manual-only Application just reports drift.
      if (spec.automated !== undefined && isAutomaticSync(job) && !isDryRun(job)) refusal = await unrelatedHistoryOf(renderContext, record.appliedRevision, target);
    } catch (error) {
      // Unreachable Git or an unknown ref: say so on the Application, then let the queue retry (or not).
      const message = error instanceof Error ? error.message : String(error);
      await deps.status.publish(app, buildStatus({ application, record, drift: undefined, health: new Map(), error: message, now: now() }), undefined);
      throw error;
    }
    if (refusal !== undefined) log.warn({ revision: target.commit, applied: record.appliedRevision }, refusal);
    if (isDryRun(job)) {
      const report = await dryRunSync(deps.cluster, renderContext, target, record, { ...syncOptionsOf(spec, job.app), ...operationSyncOptions(job) }, job, now);
      await deps.status.operation(job.app, report);
      log.info({ revision: target.commit, phase: report.phase, changes: report.summary }, report.message);
      return {};
    }
    const trigger: ReleaseTrigger = job.reason === 'recheck'
      ? { type: 'recheck' }
      : { type: 'revision', revision: target.commit, initiator: initiatorOf(job) };
    // A recheck follows a rollout a manual sync started, whatever the policy.
    const automated = spec.automated !== undefined || job.reason === 'manual' || job.reason === 'recheck';

    // Changed-path filter: a commit that touches nothing this Application renders
    // from is adopted without a sync (a person asking for a sync always gets one).
    let adopted = false;
    if (automated && trigger.type === 'revision' && job.reason !== 'manual' && refusal === undefined && spec.source.changedPathFilter
      && record.state.status === 'Healthy' && record.appliedRevision !== undefined && record.appliedRevision !== target.commit
      && await leavesPathsUntouched(renderContext, record.appliedRevision, target)) {
      const next = adoptUnchangedRevision(record, target.commit, `${target.commit.slice(0, 12)} changes nothing under ${spec.source.path}`);
      if (next) {
        record = next;
        adopted = true;
        await deps.releases.save(application.metadata, record);
        log.info({ revision: target.commit }, 'commit leaves this Application untouched: adopted without a sync');
      }
    }

    // One get of each live object for the rollout check, the drift check and the
    // status; the sync and self-heal write through deps.cluster and read afresh.
    const reads = sharedReads(deps.cluster);
    let recheckAt: Date | undefined;
    let result: ReleaseStepResult | undefined;
    if (automated && !adopted) {
      const step = await advanceRelease(record, trigger, {
        render: revisionRenderer(renderContext, target, refusal),
        client: deps.cluster,
        observer: reads,
        options: {
          rollback: spec.rollback.enabled,
          healthTimeoutMs: spec.rollback.healthTimeoutMs,
          retry: spec.retry,
          sync: { ...syncOptionsOf(spec, job.app), ...operationSyncOptions(job) },
        },
      }, now());
      record = step.record;
      recheckAt = step.recheckAt;
      result = step.result;
      await deps.releases.save(application.metadata, record);
    }

    // Drift of what Git wants now against the cluster: the status's per-object view,
    // and what self-heal corrects. Skipped while a rollout is still being followed,
    // and on a poll tick that brought nothing new (drift-memo.ts says when). A
    // person's refresh (an operation) always looks again: that is what they asked,
    // and it may have taken the place of a waiting watch trigger in the queue.
    let drift: DriftCheckResult | undefined;
    let error: string | undefined;
    const settledOnTarget = record.state.status === 'Healthy' && record.appliedRevision === target.commit;
    const recalled = recheckAt === undefined && job.reason === 'poll' && job.operation === undefined && settledOnTarget && (result?.actions.length ?? 0) === 0
      ? memo.recall(job.app, target.commit, spec, now())
      : undefined;
    if (recheckAt === undefined && recalled === undefined) {
      memo.forget(job.app);
      try {
        const rendered = await renderCommit(renderContext, target);
        const desired = await prepareDesired(rendered, { appName: job.app, destinationNamespace: spec.destinationNamespace }, deps.cluster);
        const driftOptions = { previousInventory: record.inventory.entries, diff: { ignoreDifferences: spec.ignoreDifferences }, lister: deps.cluster };
        drift = await checkDrift(reads, desired, driftOptions);
        const settled = record.state.status === 'Healthy' && record.appliedRevision === target.commit;
        if (settled && spec.automated?.selfHeal && drift.status === 'OutOfSync') {
          reads.forgetAll();
          record = await selfHeal(deps, record, renderedRevision(target.commit, rendered), syncOptionsOf(spec, job.app), now);
          await deps.releases.save(application.metadata, record);
          log.info({ revision: target.commit }, 'self-heal: drift corrected');
          drift = await checkDrift(reads, desired, { ...driftOptions, previousInventory: record.inventory.entries });
        }
        memo.remember(job.app, target.commit, spec, drift, now());
      } catch (cause) {
        error = cause instanceof Error ? cause.message : String(cause);
        log.warn({ err: error }, 'drift check failed');
      }
    }

    const health = await liveHealth(reads, record.inventory.entries);
    await deps.status.publish(app, buildStatus({ application, record, drift: drift ?? recalled, health, error, now: now() }), result, { drift, revision: target.commit });
    log.info({ revision: target.commit, state: record.state.status, sync: (drift ?? recalled)?.status, recheckAt, ...(recalled ? { driftCheck: 'reused' } : {}) }, 'reconciled');
    return recheckAt ? { recheckAt } : {};
  };
}

/** The sync options an Application's spec asks for: the same for a release step and for self-heal. */
function syncOptionsOf(spec: ResolvedApplicationSpec, appName: string): Partial<SyncOptions> {
  return {
    prune: spec.automated?.prune ?? false,
    allowEmpty: spec.automated?.allowEmpty ?? false,
    createNamespace: spec.syncOptions.createNamespace,
    destinationNamespace: spec.destinationNamespace,
    appName,
    force: spec.syncOptions.force,
    ...(spec.syncOptions.forceConflicts !== undefined ? { forceConflicts: spec.syncOptions.forceConflicts } : {}),
    ...(spec.syncOptions.prunePropagationPolicy ? { propagation: spec.syncOptions.prunePropagationPolicy } : {}),
  };
}

/** Re-applies the running revision after someone changed the cluster; history says so. */
async function selfHeal(
  deps: ReconcilerDeps, record: ReleaseRecord, desired: RenderedRevision, options: Partial<SyncOptions>, now: () => Date,
): Promise<ReleaseRecord> {
  const startedAt = now().toISOString();
  const result = await runSync(deps.cluster, { desired, previousInventory: record.inventory }, options);
  const history = appendHistory(record.history, {
    revision: desired.revision, initiator: 'auto', phase: result.phase, startedAt, finishedAt: now().toISOString(),
    changes: result.summary, message: `self-heal: ${result.message}`,
  });
  return { ...record, inventory: result.inventory, history };
}
