/**
 * What lets a poll tick skip the drift check: the last check of an Application
 * that found it Synced, with the commit and the spec it was made for.
 *
 * A poll tick whose commit did not move asks the cluster nothing new: the
 * managed-object watch already queues a reconcile (reason `watch`, which always
 * checks) when someone changes what Berth manages. Checking all the same cost a
 * server-side apply dry run and a get per object per tick (issue 6: 1,000
 * Applications, 4,000 dry runs every poll interval). So a poll reconcile reuses
 * the last result when all of these hold, and checks in full otherwise:
 * - the last check found the Application Synced, for the same commit and spec;
 * - it is younger than `fullCheckIntervalMs` (10 minutes by default), so a change
 *   the watch missed (a watch down, a field the watch does not look at) is
 *   still found within that time.
 * The memo is per process: another replica, or a restart, simply checks in full.
 * Only what the status needs is kept (object refs and statuses, no objects).
 */
import { createHash } from 'node:crypto';
import type { ApplicationDiff } from '../../diff/index.ts';

export interface DriftMemo {
  /** Remember a check; anything but Synced forgets instead. */
  remember(app: string, commit: string, spec: unknown, drift: ApplicationDiff, now: Date): void;
  /** The last Synced result, if a poll may reuse it now. */
  recall(app: string, commit: string, spec: unknown, now: Date): ApplicationDiff | undefined;
  forget(app: string): void;
}

export const defaultFullCheckIntervalMs = 600_000;

interface Entry { commit: string; spec: string; at: number; drift: ApplicationDiff }

const fingerprint = (spec: unknown): string => createHash('sha256').update(JSON.stringify({ spec })).digest('base64');

export function createDriftMemo(fullCheckIntervalMs = defaultFullCheckIntervalMs): DriftMemo {
  const entries = new Map<string, Entry>();
  return {
    remember(app, commit, spec, drift, now) {
      if (drift.status !== 'Synced') {
        entries.delete(app);
        return;
      }
      const objects = drift.objects.map(({ ref, status, mode }) => ({ ref, status, ...(mode ? { mode } : {}), patch: [], diff: '' }));
      entries.set(app, { commit, spec: fingerprint(spec), at: now.getTime(), drift: { status: drift.status, counts: { ...drift.counts }, objects } });
    },
    recall(app, commit, spec, now) {
      const entry = entries.get(app);
      if (!entry || entry.commit !== commit || now.getTime() - entry.at >= fullCheckIntervalMs || now.getTime() < entry.at) return undefined;
      return entry.spec === fingerprint(spec) ? entry.drift : undefined;
    },
    forget(app) {
      entries.delete(app);
    },
  };
}
