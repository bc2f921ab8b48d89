/**
 * Where the reconcile tells its transitions to notifications (src/notify,
 * through the narrow EventSink): the record step calls `tellTransitions`
 * before it saves the release record (so a step cut off before the save is
 * told again, and the queue sends once), and `tellDrift` with the drift check
 * of the revision that runs. Which transition gives which event is
 * src/notify/transitions.ts, a pure function tested as a table.
 */
import { formatRef } from '../../../objects.ts';
import type { ReleaseRecord, ReleaseStep } from '../../../sync/index.ts';
import type { ApplicationDiff } from '../../../diff/index.ts';
import { transitionEvents } from '../../notify/transitions.ts';
import type { NotifiedApp } from '../../notify/event-sink.ts';
import { isInFlight, reportReasons, runsTarget, type ReconcileAction } from './decide.ts';
import type { Observed } from './observe.ts';

function notifiedApp(observed: Observed): NotifiedApp {
  const { app, context, deps } = observed;
  const { metadata } = app.application;
  return {
    key: app.key, namespace: metadata.namespace, name: metadata.name,
    uid: metadata.uid ?? app.key,
    labels: metadata.labels ?? {},
    repoURL: app.spec.source.repoURL,
    commit: (revision) => deps.git.commitSummary(context.repository, revision),
  };
}

export async function tellTransitions(observed: Observed, action: ReconcileAction, step: ReleaseStep | undefined): Promise<void> {
  const sink = observed.deps.events;
  if (!sink) return;
  const { spec } = observed.app;
  const before = observed.record;
  const held = action.kind === 'report' && action.reason === reportReasons.BadRevisionHeld;
  const events = transitionEvents({
    before, events: step?.result.events, after: step?.record ?? before,
    policy: { rollback: spec.rollback.enabled, selfHeal: spec.automated?.selfHeal ?? false },
    heldBack: held ? { revision: observed.target.commit, reason: before.state.message } : undefined,
  });
  await sink.tell(notifiedApp(observed), events);
}

/** One drift check of the revision that runs (not of a commit still to be applied, which is no one's change). */
async function tellOneDrift(observed: Observed, record: ReleaseRecord, drift: ApplicationDiff): Promise<void> {
  const sink = observed.deps.events;
  const revision = observed.target.commit;
  if (!sink || isInFlight(record) || !runsTarget(record, revision)) return;
  const changed = drift.objects.filter((object) => object.status !== 'Synced');
  const message = drift.status === 'Synced'
    ? `the live objects of ${revision.slice(0, 12)} match Git again`
    : `${changed.length} object${changed.length === 1 ? '' : 's'} differ from Git: ${changed.slice(0, 3).map((object) => `${formatRef(object.ref)} is ${object.status}`).join('; ')}`;
  await sink.drift(notifiedApp(observed), { revision, status: drift.status, message });
}

/**
 * The drift the record step found, after the one the observe step found when
 * it differs: a self-heal sees OutOfSync before it acts and Synced after, and
 * both moves are told (DriftDetected, then DriftHealed).
 */
export async function tellDrift(observed: Observed, record: ReleaseRecord, drift: ApplicationDiff | undefined): Promise<void> {
  const before = observed.drift?.result;
  if (before && before !== drift) await tellOneDrift(observed, observed.record, before);
  if (drift) await tellOneDrift(observed, record, drift);
}
