/**
 * The observe step of a reconcile: everything `decide` needs, read once. The
 * Application and its cluster identity, the release record, the trigger, the
 * target commit, and only what the decision can turn on: whether an automatic
 * sync would cross an unrelated history, whether the commit touches nothing of
 * this Application, and the drift of the running revision when it may be healed.
 *
 * What stops a reconcile before a decision is reported on the Application and
 * thrown: an invalid spec or source (unrecoverable, no retry), a release record
 * that fails validation (Stalled, naming the record; nothing is synced or
 * pruned from a record that cannot be trusted), an unreachable Git server or an
 * unknown ref (retried by the queue).
 */
import { UnrecoverableSyncError, initialReleaseRecord, type ReleaseRecord } from '../../../sync/index.ts';
import { prepareDesired } from '../../../sync/desired-payload.ts';
import { checkDrift, type DriftCheckResult } from '../../../sync/drift-check.ts';
import { isJob, jobSpecHash } from '../../../sync/completed-jobs.ts';
import { sharedReads, type SharedReads } from '../../../sync/shared-reads.ts';
import type { ApplicationDiff } from '../../../diff/index.ts';
import type { ReconcileContext, ReconcileJob } from '../../queue/reconcile-job.ts';
import { InvalidSourceError } from '../../errors.ts';
import type { ResolvedRevision } from '../../source/git-source.ts';
import { parseRepository } from '../../source/repository.ts';
import { isChartSource } from '../../source/helm-source.ts';
import { placeDependenciesInFolder } from '../../source/helm-dependencies.ts';
import { verifyRevision } from '../../source/verify-revision.ts';
import { enforceSourcePolicy } from '../../policy/enforce.ts';
import type { Logger } from '../../log.ts';
import type { RegisteredApp } from '../../application/app-registry.ts';
import type { DriftMemo } from '../drift-memo.ts';
import { leavesPathsUntouched, renderCommit, resolveTarget, unrelatedHistoryOf, type RenderContext } from '../render-revision.ts';
import { buildStatus } from '../status-report.ts';
import type { HealthRuleSet } from '../../../health/index.ts';
import { healthRulesForApp } from '../../health-rules/rules-for-app.ts';
import { observeDependencies } from '../../dependencies/observe-dependencies.ts';
import type { DependencyVerdict } from '../../dependencies/readiness.ts';
import { needsDriftToDecide, type DecisionInput } from './decide.ts';
import type { ReconcilerDeps } from './deps.ts';
import { resolvesFresh, triggerOf, type Trigger } from './trigger.ts';

/** A desired Job as the drift check saw it: where completed-jobs.ts remembers it. */
export interface DesiredJob { namespace: string; name: string; specHash: string }

/** A drift check made now (with the desired Jobs it compared), or the last Synced one a poll may reuse. */
export type ObservedDrift = { recalled: false; result: DriftCheckResult; jobs: DesiredJob[] } | { recalled: true; result: ApplicationDiff };

export type ValidApp = Extract<RegisteredApp, { valid: true }>;

export interface Observed {
  app: ValidApp;
  /** The controller's deps with the cluster client of the Application's own identity. */
  deps: ReconcilerDeps;
  log: Logger;
  trigger: Trigger;
  record: ReleaseRecord;
  context: RenderContext;
  target: ResolvedRevision;
  /** One get of each live object for the rollout check, the drift check and the status. */
  reads: SharedReads;
  /** What decide reads; drift filled in only where it may heal. */
  decision: DecisionInput;
  /** The Application's health rules: built-in < the cluster's HealthRules < its spec.healthChecks. */
  healthRules: HealthRuleSet;
  /** What spec.dependsOn says (src/dependencies/); undefined when it depends on nothing. */
  dependencies: DependencyVerdict | undefined;
  /** The drift check made while observing, if one was. */
  drift: ObservedDrift | undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A record the store refused to read (src/controller/release-store.ts throws it, by name). */
function isInvalidRecord(error: unknown): error is Error {
  return error instanceof Error && error.name === 'InvalidReleaseRecordError';
}

/** The source an Application reads: its Git repository, or a chart/OCI source bound to its credentials (helm-source.ts). */
async function sourceOf(deps: ReconcilerDeps, app: ValidApp): Promise<Pick<RenderContext, 'git' | 'repository' | 'chartDependencies'>> {
  const { source } = app.spec;
  if (!isChartSource(source)) {
    const { charts } = deps;
    // A chart in the repository may depend on charts elsewhere: Berth fetches them, with the credential table read only then.
    const chartDependencies = charts && deps.chartCredentials
      ? async (chartDir: string) => {
        await placeDependenciesInFolder(chartDir, { sources: charts, credentials: () => deps.chartCredentials?.(app) ?? Promise.resolve([]), name: `${source.repoURL} ${source.path}` });
      }
      : undefined;
    return { git: deps.git, repository: parseRepository(source.repoURL, await deps.credentials(app)), ...(chartDependencies ? { chartDependencies } : {}) };
  }
  if (!deps.charts || !deps.chartCredentials) throw new InvalidSourceError('InvalidURL', `${source.repoURL}: chart and OCI sources are not enabled in this process`);
  const bound = deps.charts.bind({ repoURL: source.repoURL, chart: source.chart, credentials: await deps.chartCredentials(app) });
  return { git: bound, repository: { url: bound.name } };
}

/**
 * source.verify, before anything is decided: an unsigned or untrusted target
 * throws (VerificationFailed), so nothing is applied or pruned and the
 * Application names the commit and why (verify-revision.ts).
 */
async function verifyTarget(deps: ReconcilerDeps, app: ValidApp, context: RenderContext, target: ResolvedRevision, log: Logger): Promise<void> {
  const { verify } = app.spec.source;
  if (!verify) return;
  const { git } = deps;
  // Signatures are Git's: a chart or OCI source (another reader than the Git source) has none to check.
  if (context.git !== git || !deps.verifyKeys) {
    throw new InvalidSourceError('VerificationFailed', `source.verify: ${app.spec.source.repoURL} is not a Git source this controller can verify; nothing is deployed`);
  }
  const keys = await deps.verifyKeys(app);
  const { repository } = context;
  const verified = await verifyRevision(target, verify.mode, keys, {
    fetch: async (revision) => { await git.fetch(repository, revision); },
    rawObject: (oid) => git.rawObject(repository, oid),
    rawTag: (name, oid) => git.rawTag(repository, `refs/tags/${name}`, oid),
    tagObjectId: async (name) => (await git.advertisedRefs(repository)).find((ref) => ref.ref === `refs/tags/${name}`)?.oid,
  });
  log.debug({ revision: target.commit, signers: verified.signers }, 'source.verify: signed by a trusted key');
}

/** Says on the Application why a reconcile stopped before it began (its destination cluster is refused or down). */
export async function reportStopped(deps: ReconcilerDeps, app: ValidApp, message: string, now: Date): Promise<void> {
  const record = await deps.releases.load(app.application.metadata).catch(() => initialReleaseRecord());
  await stop(deps, app, record, message, now);
}

/** Stops here: the status says why, and the queue does not retry what cannot change by itself. */
async function stop(deps: ReconcilerDeps, app: ValidApp, record: ReleaseRecord, message: string, now: Date): Promise<void> {
  await deps.status.publish(app, buildStatus({ application: app.application, record, drift: undefined, health: new Map(), error: message, now }), undefined);
}

/** Drift of what the target renders against the cluster; a poll may reuse the last Synced check (drift-memo.ts). */
export async function checkTargetDrift(observed: Pick<Observed, 'app' | 'deps' | 'context' | 'target' | 'record' | 'reads' | 'trigger'>, memo: DriftMemo, now: Date, settled: boolean): Promise<ObservedDrift> {
  const { app, deps, context, target, record, reads, trigger } = observed;
  // A person's refresh always looks again: that is what they asked.
  const recalled = trigger.kind === 'poll' && settled ? memo.recall(app.key, target.commit, app.spec, now) : undefined;
  if (recalled) return { result: recalled, recalled: true };
  memo.forget(app.key);
  const rendered = await renderCommit(context, target);
  const desired = await prepareDesired(rendered, { appName: app.key, destinationNamespace: app.spec.destinationNamespace }, deps.cluster);
  const result = await checkDrift(reads, desired, {
    previousInventory: record.inventory.entries, diff: { ignoreDifferences: app.spec.ignoreDifferences }, lister: deps.cluster,
    completedJobs: record.completedJobs ?? [],
  });
  memo.remember(app.key, target.commit, app.spec, result, now);
  const jobs = desired.filter(isJob).map((job) => ({ namespace: job.metadata.namespace ?? '', name: job.metadata.name ?? '', specHash: jobSpecHash(job) }));
  return { result, recalled: false, jobs };
}

export async function observe(controllerDeps: ReconcilerDeps, job: ReconcileJob, context: ReconcileContext, memo: DriftMemo, now: Date): Promise<Observed | undefined> {
  const registered = controllerDeps.registry.get(job.app);
  if (!registered) return undefined; // deleted since the job was queued
  const deps = registered.valid && controllerDeps.clusterFor ? { ...controllerDeps, cluster: controllerDeps.clusterFor(registered) } : controllerDeps;
  const log = deps.log.child({ app: job.app, reason: job.reason, job: context.jobId, attempt: context.attempt });
  log.debug({ announced: job.revision }, 'reconcile started');
  if (!registered.valid) {
    await deps.status.invalid(registered);
    throw new UnrecoverableSyncError('InvalidManifests', [registered.message]);
  }
  const app = registered;
  const { application, spec } = app;
  const trigger = triggerOf(job);

  let record: ReleaseRecord;
  try {
    record = await deps.releases.load(application.metadata);
  } catch (error) {
    if (!isInvalidRecord(error)) throw error;
    const message = `${error.message}; nothing is synced or pruned until the record is repaired or deleted`;
    const initial = initialReleaseRecord();
    await stop(deps, app, { ...initial, state: { ...initial.state, status: 'Stalled', message } }, message, now);
    throw new UnrecoverableSyncError('InvalidManifests', [message], { cause: error });
  }

  let renderContext: RenderContext;
  try {
    const namespacePolicy = deps.policy ? await deps.namespacePolicy?.(application.metadata.namespace) : undefined;
    renderContext = {
      ...await sourceOf(deps, app), renderer: deps.renderer, application, spec,
      ...(deps.policy ? { policy: { security: deps.policy, namespace: namespacePolicy, cluster: deps.cluster } } : {}),
    };
    if (deps.policy) enforceSourcePolicy(renderContext.repository.url, deps.policy, namespacePolicy);
  } catch (error) {
    if (!(error instanceof InvalidSourceError)) throw error;
    await stop(deps, app, record, error.message, now);
    throw new UnrecoverableSyncError('InvalidManifests', [error.message], { cause: error });
  }

  const policy = { automated: spec.automated !== undefined, selfHeal: spec.automated?.selfHeal ?? false };
  let target: ResolvedRevision;
  let unrelatedHistory: string | undefined;
  let pathsUntouched = false;
  try {
    target = trigger.revision !== undefined
      ? await renderContext.git.resolveRevision(renderContext.repository, trigger.revision, { maxAgeMs: 0 })
      : await resolveTarget(renderContext, resolvesFresh(trigger, record));
    await verifyTarget(deps, app, renderContext, target, log);
    // Asked only where the answer can matter: an automatic sync of a commit not in hand and not held back.
    const candidate = trigger.automatic && trigger.kind !== 'recheck' && policy.automated
      && target.commit !== record.state.failedRevision && target.commit !== record.appliedRevision && record.appliedRevision !== undefined;
    if (candidate) unrelatedHistory = await unrelatedHistoryOf(renderContext, record.appliedRevision, target);
    if (candidate && unrelatedHistory === undefined && spec.source.changedPathFilter && record.state.status === 'Healthy' && record.appliedRevision !== undefined) {
      pathsUntouched = await leavesPathsUntouched(renderContext, record.appliedRevision, target);
    }
  } catch (error) {
    // Unreachable Git or an unknown ref: say so on the Application, then let the queue retry (or not).
    await stop(deps, app, record, messageOf(error), now);
    throw error;
  }
  if (unrelatedHistory !== undefined) log.warn({ revision: target.commit, applied: record.appliedRevision }, unrelatedHistory);
  const dependencies = app.spec.dependsOn.length > 0
    ? await observeDependencies(deps, app, target.commit, await deps.namespacePolicy?.(application.metadata.namespace))
    : undefined;

  const observed: Observed = {
    app, deps, log, trigger, record, context: renderContext, target, reads: sharedReads(deps.cluster), drift: undefined,
    healthRules: healthRulesForApp({ ...application.metadata, healthChecks: spec.healthChecks }, deps.clusterHealthRules?.() ?? []),
    dependencies,
    decision: {
      record, target: { revision: target.commit, unrelatedHistory, pathsUntouched }, drift: undefined,
      trigger, policy, dependencies, now: now.getTime(),
    },
  };
  if (needsDriftToDecide(observed.decision)) {
    try {
      observed.drift = await checkTargetDrift(observed, memo, now, true);
      observed.decision = { ...observed.decision, drift: observed.drift.result.status };
    } catch (error) {
      log.warn({ err: messageOf(error) }, 'drift check failed');
    }
  }
  return observed;
}
