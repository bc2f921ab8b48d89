/**
 * The release driver: one step of an Application's release per queue job, so
 * that waiting for a rollout never holds a worker. `advanceRelease` takes the
 * persisted `ReleaseRecord` and a trigger (the tracked ref resolved to a commit,
 * or "recheck"), feeds events to the state machine (rollback-state.ts), carries
 * out exactly the action it returns (render + `runSync`, a `checkRollout` over
 * objects re-read through the client, or a rollback), appends history, and
 * returns the record to persist and when to call it again.
 *
 * Promises:
 * - The state machine alone decides what is written. Between two moves of the
 *   tracked ref there are at most two syncs of a revision (the revision and one
 *   rollback); a heal re-applies the running revision, and only after a drift
 *   check found a change someone else made;
 *   a step carries out at most `maxActionsPerStep` actions, and more is a bug
 *   that throws rather than loops.
 * - A render error (deps.render throws) writes and prunes nothing: it is a
 *   `RenderFailed` event. So are invalid manifests (`UnrecoverableSyncError`).
 * - Transient failures (a `TransientSyncError` from render, a sync whose every
 *   failure is transient, an unexpected error) keep the release Syncing and
 *   ask for a recheck after the delay of the Application's retry policy
 *   (`spec.syncPolicy.retry`, retry-policy.ts), up to its limit of attempts;
 *   then they count as a failed sync.
 * - Drift and an unchanged commit are triggers too (`drift`, `unchanged`): the
 *   state machine decides whether to heal or adopt, so it alone moves the record.
 * - Expected failures never throw: once a step has written to the cluster, its
 *   record (inventory, history) is returned and must be persisted.
 */
import type { ObjectRef } from '../objects.ts';
import type { HealthRuleSet } from '../health/index.ts';
import type { ClusterClient } from './cluster.ts';
import type { CompletedJob } from './completed-jobs.ts';
import type { RenderedRevision } from './desired.ts';
import { runSync, type SyncResult } from './engine.ts';
import { isRetryable, TransientSyncError, UnrecoverableSyncError } from './errors.ts';
import { appendHistory, defaultHistoryLimit, type HistoryEntry } from './history.ts';
import { emptyInventory, type Inventory } from './inventory.ts';
import { systemClock, type SyncOptions } from './options.ts';
import { diffHasDrifted } from './release-drift.ts';
import { defaultSyncRetryPolicy, isRetryExhausted, retryDelayMs, type RetryPolicy } from './retry-policy.ts';
import type { SharedReads } from './shared-reads.ts';
import { observeRollout } from './release-observe.ts';
import { checkRollout, type RolloutCheck, type RolloutState } from './rollout.ts';
import {
  initialReleaseState, transition,
  type Initiator, type ReleaseAction, type ReleaseEvent, type ReleaseState,
} from './rollback-state.ts';

/** The rollout being followed while Progressing. */
export interface PendingRollout extends RolloutState {
  /** The objects whose health decides it: those the sync applied, hooks left out. */
  refs: ObjectRef[];
  /** Epoch milliseconds of the next check. */
  nextCheckAt: number;
}

/** A sync owed after transient failures while Syncing. */
export interface PendingRetry {
  /** Attempts that failed transiently so far. */
  attempts: number;
  /** Epoch milliseconds of the next attempt. */
  nextAttemptAt: number;
}

/** Everything that must be persisted between two steps (plain JSON). */
export interface ReleaseRecord {
  state: ReleaseState;
  /** The revision last written to the cluster, fully or in part. */
  appliedRevision: string | undefined;
  rollout: PendingRollout | undefined;
  retry: PendingRetry | undefined;
  /** The inventory recorded by the last sync; what prune works from. */
  inventory: Inventory;
  history: HistoryEntry[];
  /** Jobs seen complete, with the spec they completed with: gone since (a TTL), they are not drift (completed-jobs.ts). */
  completedJobs?: readonly CompletedJob[] | undefined;
}

export function initialReleaseRecord(inventory: Inventory = emptyInventory): ReleaseRecord {
  return { state: initialReleaseState(), appliedRevision: undefined, rollout: undefined, retry: undefined, inventory, history: [] };
}

export type ReleaseTrigger =
  /** The tracked ref resolved to `revision` (poll, webhook), or a person asked to sync it. */
  | { type: 'revision'; revision: string; initiator: 'auto' | 'webhook' | 'manual' }
  /** The time a previous step asked for (`recheckAt`) has come. */
  | { type: 'recheck' }
  /** The live objects of the running `revision` differ from it: heal them if self-heal is on. */
  | { type: 'drift'; revision: string }
  /** The tracked ref moved to `revision`, which changes nothing this Application renders from. */
  | { type: 'unchanged'; revision: string; message: string };

export interface ReleaseOptions {
  /** Roll back automatically when a rollout fails (`spec.syncPolicy.rollback.enabled`). */
  rollback: boolean;
  /** How long a rollout may take to become Healthy (`spec.syncPolicy.rollback.healthTimeout`). */
  healthTimeoutMs: number;
  /** Delay between rollout checks. */
  recheckIntervalMs: number;
  /** Re-apply the running revision when it drifted (`spec.syncPolicy.automated.selfHeal`). */
  selfHeal: boolean;
  /** Attempts of one sync whose failures are all transient, and the delays between them (`spec.syncPolicy.retry`). */
  retry: RetryPolicy;
  /** Draws the jitter of retry delays; `Math.random` by default. */
  random: () => number;
  historyLimit: number;
  /** prune, allowEmpty, createNamespace, destinationNamespace, appName, ...; `dryRun` is not a release's business. */
  sync: Partial<Omit<SyncOptions, 'dryRun'>>;
}

export function defaultReleaseOptions(): ReleaseOptions {
  return {
    rollback: true,
    healthTimeoutMs: 300_000,
    recheckIntervalMs: 5_000,
    selfHeal: false,
    retry: defaultSyncRetryPolicy,
    random: Math.random,
    historyLimit: defaultHistoryLimit,
    sync: {},
  };
}

export interface ReleaseDeps {
  /** The objects of `revision`; throws when it cannot be rendered (a `TransientSyncError` when a retry may help). */
  render(revision: string): Promise<RenderedRevision>;
  client: ClusterClient;
  /**
   * Reads the rollout's objects for its health check; `client` when absent. A
   * reconcile passes its shared reads (shared-reads.ts) so the drift check and the
   * status after it need no second get; the sync itself always uses `client`.
   */
  observer?: SharedReads;
  options?: Partial<ReleaseOptions>;
  /** The Application's CEL health rules for its rollout checks; default the built-in library. */
  healthRules?: HealthRuleSet;
  /**
   * Whether the destination cluster stopped answering (its last requests got no
   * answer or a 5xx). A transient failure then is the cluster's, not the
   * revision's: it is retried without counting an attempt, so an outage longer
   * than the retry policy never holds a good revision back (issue 19).
   */
  destinationUnavailable?(): boolean;
}

export interface ReleaseStepResult {
  /** Events fed to the state machine, in order; what Kubernetes Events and logs report. */
  events: ReleaseEvent[];
  /** Actions carried out, in order. */
  actions: Exclude<ReleaseAction, { kind: 'none' }>[];
  syncs: SyncResult[];
  /** Rollout checks carried out, in order. */
  checks: RolloutCheck[];
}

export interface ReleaseStep {
  record: ReleaseRecord;
  /** When to call again with a `recheck` trigger; undefined when the release is settled. */
  recheckAt: Date | undefined;
  result: ReleaseStepResult;
}

/**
 * Objects in flight within one group of a release's sync. Higher than the
 * engine's default of 8: with a keep-alive agent of 32 sockets (src/kube/rest.ts)
 * the API server, not the socket pool, is what limits a sync, and bench/apply.ts
 * measured an unchanged sync of 300 objects at less than half the time with 32.
 */
export const releaseSyncConcurrency = 32;

/** sync, checkRollout, rollback, checkRollout: the longest chain one step can need (a heal or an adoption is one). */
const maxActionsPerStep = 4;

const appliedActions = new Set(['created', 'configured', 'unchanged']);

/** Refs whose health decides the rollout: applied non-hook objects of the sync. */
function rolloutRefs(sync: SyncResult): ObjectRef[] {
  return sync.changeSet.filter((entry) => !entry.hook && appliedActions.has(entry.action) && entry.phase !== 'SyncFail').map((entry) => entry.ref);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The action a persisted state still owes when a recheck comes. */
function owedAction(record: ReleaseRecord): ReleaseAction {
  const { state } = record;
  if (state.revision === undefined) return { kind: 'none' };
  if (state.status === 'Progressing') return { kind: 'checkRollout', revision: state.revision };
  if (state.status !== 'Syncing') return { kind: 'none' };
  if (state.initiator === 'rollback') return { kind: 'rollback', revision: state.revision, failedRevision: state.failedRevision ?? '' };
  return { kind: 'sync', revision: state.revision, initiator: state.initiator === 'webhook' || state.initiator === 'manual' ? state.initiator : 'auto' };
}

/** When a release in flight is due again: its next rollout check or retry; undefined when settled. */
export function recheckOf(record: ReleaseRecord, now: number): Date | undefined {
  const { status } = record.state;
  if (status === 'Progressing') return new Date(record.rollout?.nextCheckAt ?? now);
  if (status === 'Syncing') return new Date(record.retry?.nextAttemptAt ?? now);
  return undefined;
}

/** Advance the release of one Application by one step; see the module doc. */
export async function advanceRelease(persisted: ReleaseRecord, trigger: ReleaseTrigger, deps: ReleaseDeps, now: Date): Promise<ReleaseStep> {
  const options: ReleaseOptions = { ...defaultReleaseOptions(), ...deps.options };
  const syncOptions: Partial<SyncOptions> = { hasDrifted: diffHasDrifted(), concurrency: releaseSyncConcurrency, ...options.sync, dryRun: false };
  const clock = syncOptions.clock ?? systemClock;
  // The caller's `now` anchors the step; the sync clock measures what the step itself takes.
  const startedOn = clock.now();
  const at = (): number => now.getTime() + (clock.now() - startedOn);
  const iso = (ms: number): string => new Date(ms).toISOString();

  let record: ReleaseRecord = persisted;
  const result: ReleaseStepResult = { events: [], actions: [], syncs: [], checks: [] };
  const history = (entry: Omit<HistoryEntry, 'id'>): void => {
    record = { ...record, history: appendHistory(record.history, entry, options.historyLimit) };
  };
  /** Feed an event to the state machine; its action is what the step does next. */
  const feed = (event: ReleaseEvent): ReleaseAction => {
    result.events.push(event);
    const next = transition(record.state, event, { rollback: options.rollback, selfHeal: options.selfHeal });
    record = { ...record, state: next.state };
    // A sync the machine asks for is a new attempt: earlier retries and rollouts are over.
    if (next.action.kind === 'sync' || next.action.kind === 'rollback') record = { ...record, retry: undefined, rollout: undefined };
    return next.action;
  };

  let action: ReleaseAction = trigger.type === 'revision' ? feed({ type: 'NewRevision', revision: trigger.revision, initiator: trigger.initiator })
    : trigger.type === 'drift' ? feed({ type: 'DriftDetected', revision: trigger.revision })
      : trigger.type === 'unchanged' ? feed({ type: 'RevisionUnchanged', revision: trigger.revision, message: trigger.message })
        : owedAction(record);

  for (let count = 0; action.kind !== 'none'; count += 1) {
    if (count >= maxActionsPerStep) {
      throw new Error(`release of ${record.state.revision ?? 'no revision'}: more than ${maxActionsPerStep} actions in one step; the state machine must not loop`);
    }
    result.actions.push(action);
    if (action.kind === 'adopt') {
      record = { ...record, appliedRevision: action.revision };
      break;
    }
    if (action.kind === 'heal') {
      record = await heal(record, action.revision, deps, syncOptions, at, result);
      break;
    }
    if (action.kind === 'checkRollout') {
      const rollout: PendingRollout = record.rollout ?? {
        revision: action.revision, startedAt: at(), healthTimeoutMs: options.healthTimeoutMs, refs: [...record.inventory.entries], nextCheckAt: at(),
      };
      const observations = await observeRollout(deps.observer ?? deps.client, rollout.refs, syncOptions.concurrency ?? releaseSyncConcurrency, deps.healthRules);
      const check = checkRollout(rollout, observations, at(), { recheckIntervalMs: options.recheckIntervalMs });
      result.checks.push(check);
      if (check.kind === 'progressing') {
        record = { ...record, rollout: { ...rollout, nextCheckAt: check.recheckAt } };
        break;
      }
      record = { ...record, rollout: undefined };
      if (check.kind === 'healthy') {
        action = feed({ type: 'RolloutHealthy', revision: action.revision });
        continue;
      }
      history({
        revision: action.revision, initiator: record.state.initiator ?? 'auto', phase: 'Failed',
        startedAt: iso(rollout.startedAt), finishedAt: iso(at()), changes: undefined,
        message: `rollout failed (${check.reason}): ${check.message}`,
      });
      action = feed({ type: 'RolloutFailed', revision: action.revision, message: `${check.reason}: ${check.message}` });
      continue;
    }

    // sync or rollback: render the revision and apply it.
    const { revision } = action;
    const initiator: Initiator = action.kind === 'rollback' ? 'rollback' : action.initiator;
    const startedAt = at();
    const failed = (message: string, changes?: SyncResult['summary']): void => {
      history({ revision, initiator, phase: 'Failed', startedAt: iso(startedAt), finishedAt: iso(at()), changes, message });
    };
    /** A transient failure: retry later, or give up and count it as a failed sync. */
    const transient = (message: string, changes?: SyncResult['summary']): ReleaseAction | undefined => {
      if (deps.destinationUnavailable?.() === true) {
        const held = record.retry?.attempts ?? 0;
        const delay = retryDelayMs(options.retry, Math.max(1, held), options.random);
        failed(`${message}; the destination cluster is not answering; retrying in ${(delay / 1000).toFixed(1)}s (not counted as an attempt)`, changes);
        record = { ...record, retry: { attempts: held, nextAttemptAt: at() + delay } };
        return undefined;
      }
      const attempts = (record.retry?.attempts ?? 0) + 1;
      if (isRetryExhausted(options.retry, attempts)) {
        // Kept on the record: what says the retries were used up (a rollback, a new sync clears it).
        record = { ...record, retry: { attempts, nextAttemptAt: at() } };
        failed(`${message}; giving up after ${attempts} attempt${attempts === 1 ? '' : 's'}`, changes);
        return feed({ type: 'SyncFailed', revision, message: `${message} (after ${attempts} attempt${attempts === 1 ? '' : 's'})` });
      }
      const delay = retryDelayMs(options.retry, attempts, options.random);
      failed(`${message}; retrying in ${(delay / 1000).toFixed(1)}s (attempt ${attempts} of ${Math.max(1, options.retry.limit)})`, changes);
      record = { ...record, retry: { attempts, nextAttemptAt: at() + delay } };
      return undefined;
    };

    // While the destination cluster is not answering, every failure is its, not the revision's:
    // a render (it reads the cluster's discovery) or a sync that failed then is retried, uncounted.
    const outage = (): boolean => deps.destinationUnavailable?.() === true;
    let desired: RenderedRevision;
    try {
      desired = await deps.render(revision);
    } catch (error) {
      if (error instanceof TransientSyncError || outage()) {
        const next = transient(`render of ${revision} failed: ${messageOf(error)}`);
        if (next === undefined) break;
        action = next;
        continue;
      }
      const message = `render of ${revision} failed: ${messageOf(error)}`;
      failed(`${message}; nothing applied, nothing pruned`);
      action = feed({ type: 'RenderFailed', revision, message });
      continue;
    }

    let sync: SyncResult;
    try {
      sync = await runSync(deps.client, { desired, previousInventory: record.inventory }, syncOptions);
    } catch (error) {
      deps.observer?.forgetAll();
      const message = `sync of ${revision} failed: ${messageOf(error)}`;
      if (error instanceof UnrecoverableSyncError && !outage()) {
        // Thrown before anything is written: like a render that failed.
        failed(`${message}; nothing applied, nothing pruned`);
        action = feed({ type: 'RenderFailed', revision, message });
        continue;
      }
      if (isRetryable(error) || outage()) {
        const next = transient(message);
        if (next === undefined) break;
        action = next;
        continue;
      }
      failed(message);
      action = feed({ type: 'SyncFailed', revision, message });
      continue;
    }

    // What the observer read before this sync is stale now.
    deps.observer?.forgetAll();
    result.syncs.push(sync);
    const wrote = sync.summary.created + sync.summary.configured + sync.summary.deleted > 0;
    record = { ...record, inventory: sync.inventory, appliedRevision: wrote || sync.phase === 'Succeeded' ? revision : record.appliedRevision };
    if (sync.phase === 'Failed') {
      if (sync.retryable || outage()) {
        const next = transient(sync.message, sync.summary);
        if (next === undefined) break;
        action = next;
        continue;
      }
      failed(sync.message, sync.summary);
      action = feed({ type: 'SyncFailed', revision, message: sync.message });
      continue;
    }
    history({ revision, initiator, phase: 'Succeeded', startedAt: iso(startedAt), finishedAt: iso(at()), changes: sync.summary, message: sync.message });
    action = feed({ type: 'SyncSucceeded', revision });
    if (action.kind === 'checkRollout') {
      const appliedAt = at();
      record = {
        ...record,
        rollout: { revision, startedAt: appliedAt, healthTimeoutMs: options.healthTimeoutMs, refs: rolloutRefs(sync), nextCheckAt: appliedAt },
      };
    }
  }
  return { record, recheckAt: recheckOf(record, at()), result };
}

/**
 * Re-applies the running revision after someone changed its objects (the state
 * machine asked for it on `DriftDetected`); history says so. A heal that fails
 * is recorded and leaves the state as it was: the next drift check tries again.
 */
async function heal(
  record: ReleaseRecord, revision: string, deps: ReleaseDeps, syncOptions: Partial<SyncOptions>, at: () => number, result: ReleaseStepResult,
): Promise<ReleaseRecord> {
  const startedAt = new Date(at()).toISOString();
  const entry = (phase: HistoryEntry['phase'], message: string, changes?: SyncResult['summary']): Omit<HistoryEntry, 'id'> =>
    ({ revision, initiator: 'auto', phase, startedAt, finishedAt: new Date(at()).toISOString(), changes, message: `self-heal: ${message}` });
  const limit = deps.options?.historyLimit ?? defaultHistoryLimit;
  try {
    const sync = await runSync(deps.client, { desired: await deps.render(revision), previousInventory: record.inventory }, syncOptions);
    deps.observer?.forgetAll();
    result.syncs.push(sync);
    return { ...record, inventory: sync.inventory, history: appendHistory(record.history, entry(sync.phase, sync.message, sync.summary), limit) };
  } catch (error) {
    deps.observer?.forgetAll();
    return { ...record, history: appendHistory(record.history, entry('Failed', `${revision} could not be re-applied: ${messageOf(error)}`), limit) };
  }
}
