/**
 * The Application status the controller writes after each reconcile, built
 * from one place: the release record (what was applied, history, rollback
 * state), the drift check (per-object sync status) and live health. kstatus
 * conditions summarise it: Ready when the tracked revision runs Healthy and in
 * sync, Reconciling while a sync or rollout is under way, Stalled when only a
 * person can move it on.
 */
import { refKey, type ObjectRef } from '../../objects.ts';
import type { ApplicationDiff } from '../../diff/index.ts';
import { aggregateHealth, type Health } from '../../health/index.ts';
import type { ReleaseRecord } from '../../sync/index.ts';
import {
  setCondition, statusHistoryLimit,
  type Application, type ApplicationStatus, type Condition, type HistoryRecord, type ResourceStatus,
} from '../application/index.ts';

export interface StatusInputs {
  application: Application;
  record: ReleaseRecord;
  /** Per-object sync status; undefined when the drift check could not run. */
  drift: ApplicationDiff | undefined;
  /** Live health of managed objects, by refKey. */
  health: ReadonlyMap<string, { ref: ObjectRef; health: Health | undefined }>;
  /** What stopped this reconcile early (a source or cluster error), if anything. */
  error: string | undefined;
  now: Date;
  /** spec.dependsOn's verdict (src/dependencies/readiness.ts); absent: a DependenciesReady condition is not written. */
  dependencies?: { kind: 'ready' | 'waiting' | 'cycle'; message: string } | undefined;
}

function resources(inputs: StatusInputs): ResourceStatus[] {
  const rows = new Map<string, ResourceStatus>();
  for (const object of inputs.drift?.objects ?? []) {
    const { group, version, kind, namespace, name } = object.ref;
    rows.set(refKey(object.ref), { group, version, kind, ...(namespace ? { namespace } : {}), name, status: object.status });
  }
  for (const [key, { health }] of inputs.health) {
    const row = rows.get(key);
    if (row && health) row.health = { status: health.status, message: health.message };
  }
  return [...rows.values()].sort((a, b) => `${a.kind}/${a.namespace ?? ''}/${a.name}`.localeCompare(`${b.kind}/${b.namespace ?? ''}/${b.name}`));
}

function history(record: ReleaseRecord): HistoryRecord[] {
  return record.history.slice(-statusHistoryLimit).map((entry) => ({
    id: entry.id,
    revision: entry.revision,
    initiator: entry.initiator,
    phase: entry.phase,
    startedAt: entry.startedAt,
    ...(entry.finishedAt ? { finishedAt: entry.finishedAt } : {}),
    ...(entry.changes ? { changes: entry.changes } : {}),
    message: entry.message,
  }));
}

export function buildStatus(inputs: StatusInputs): ApplicationStatus {
  const { application, record, drift, error, now } = inputs;
  const generation = application.metadata.generation;
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const state = record.state;
  const assessed = [...inputs.health.values()].map(({ ref, health }) => ({
    object: { apiVersion: ref.group ? `${ref.group}/${ref.version}` : ref.version, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } },
    health,
  }));
  const health = assessed.length > 0 ? aggregateHealth(assessed) : { status: 'Unknown' as const, message: 'no objects deployed yet' };
  const syncStatus = drift?.status ?? 'Unknown';

  const busy = state.status === 'Syncing' || state.status === 'Progressing';
  const stalled = state.status === 'Stalled' || (state.status === 'Degraded' && !busy);
  const ready = !error && state.status === 'Healthy' && syncStatus === 'Synced';
  let conditions: Condition[] | undefined = application.status?.conditions;
  conditions = setCondition(conditions, {
    type: 'Ready', status: ready ? 'True' : 'False', observedGeneration: generation,
    reason: ready ? 'Succeeded' : busy ? 'Progressing' : 'Failed',
    message: error ?? (ready ? `revision ${state.revision ?? ''} is Healthy and Synced` : state.message || health.message),
  }, at);
  conditions = setCondition(conditions, {
    type: 'Reconciling', status: busy ? 'True' : 'False', observedGeneration: generation,
    reason: busy ? 'Progressing' : 'Succeeded', message: busy ? state.message : 'nothing in progress',
  }, at);
  if (inputs.dependencies) {
    const { kind, message } = inputs.dependencies;
    conditions = setCondition(conditions, {
      type: 'DependenciesReady', status: kind === 'ready' ? 'True' : 'False', observedGeneration: generation,
      reason: kind === 'ready' ? 'Ready' : kind === 'cycle' ? 'DependencyCycle' : 'Waiting', message,
    }, at);
  }
  conditions = setCondition(conditions, {
    type: 'Stalled', status: stalled ? 'True' : 'False', observedGeneration: generation,
    reason: stalled ? 'Failed' : 'Succeeded', message: stalled ? state.message : 'not stalled',
  }, at);

  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    sync: { status: syncStatus, ...(record.appliedRevision ? { revision: record.appliedRevision } : {}) },
    health: { status: health.status, message: health.message },
    conditions,
    resources: resources(inputs),
    history: history(record),
    ...(state.lastHealthyRevision ? { lastHealthyRevision: state.lastHealthyRevision } : {}),
    ...(state.failedRevision ? { failedRevision: state.failedRevision } : {}),
    release: {
      status: state.status,
      reason: state.reason,
      message: state.message,
      ...(state.revision ? { revision: state.revision } : {}),
      ...(state.initiator ? { initiator: state.initiator } : {}),
      ...(state.lastHealthyRevision ? { lastHealthyRevision: state.lastHealthyRevision } : {}),
      ...(state.failedRevision ? { failedRevision: state.failedRevision } : {}),
    },
  };
}
