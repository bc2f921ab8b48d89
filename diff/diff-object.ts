/**
 * Drift of one object: the live object against what it would be after Berth applies
 * the desired one.
 *
 * With a server-side apply dry run (`predicted`: the API server's answer to applying
 * `desired` as field manager `berth` with force, i.e. live + Berth's fields + defaults +
 * admission), the comparison is predicted against live. A field only another manager sets
 * (an HPA's `spec.replicas`, a webhook's annotation) is in both and so never drift; a
 * field Git sets that someone changed is. When the dry run is not available, the
 * comparison falls back to "desired is a subset of live" (desired-overlay.ts) and says so
 * in `mode`.
 *
 * Both sides are normalized, Secrets folded (`stringData` into `data`), ignore rules
 * applied, Secret values masked, and only then compared: nothing returned holds a Secret
 * value. The patch applies to the returned `live` and gives the returned `predicted`.
 *
 * Order in keyed lists: a reordering counts as drift only when the dry run says the API
 * server would reorder (then the patch holds `move`s); when the server keeps live's
 * order, predicted has it too, and in the fallback mode order is never drift. So a
 * reported reordering is always one that applying changes, and never one that persists
 * after a sync.
 */
import { refOf, type KubeObject, type ObjectRef } from '../objects.ts';
import { resolveDiffOptions, type DiffOptions } from './options.ts';
import { normalize } from './normalize.ts';
import { foldStringData, maskSecret } from './secret-mask.ts';
import { applyIgnoreRules } from './ignore-rules.ts';
import { listKeyResolver } from './list-keys.ts';
import { overlayDesired } from './desired-overlay.ts';
import { createPatch, type PatchOperation } from './json-patch.ts';
import { yamlDiff } from './text-diff.ts';
import { cloneJson } from './json-value.ts';

export const objectSyncStatuses = {
  Synced: 'Synced',
  OutOfSync: 'OutOfSync',
  /** Desired, and not in the cluster. */
  Missing: 'Missing',
  /** In the Application's inventory, no longer desired: a prune candidate. */
  Extraneous: 'Extraneous',
} as const;
export type ObjectSyncStatus = (typeof objectSyncStatuses)[keyof typeof objectSyncStatuses];

export const comparisonModes = {
  /** Predicted (server-side apply dry run) against live. */
  serverSideDryRun: 'server-side-dry-run',
  /** The dry run was not available: the fields desired sets against live. */
  desiredSubset: 'desired-subset',
} as const;
export type ComparisonMode = (typeof comparisonModes)[keyof typeof comparisonModes];

export interface ObjectDiffInput {
  /** Rendered from Git; absent for a prune candidate. */
  desired?: KubeObject;
  /** The server-side apply dry run of `desired` (field manager `berth`, force); absent when it failed. */
  predicted?: KubeObject;
  /** The object in the cluster, read at desired's apiVersion; absent when it does not exist. */
  live?: KubeObject;
}

export interface ObjectDiff {
  ref: ObjectRef;
  status: ObjectSyncStatus;
  /** How Synced / OutOfSync was decided; absent for Missing and Extraneous. */
  mode?: ComparisonMode;
  /** RFC 6902, from `live` to `predicted`; empty unless OutOfSync. */
  patch: PatchOperation[];
  /** Unified diff of the YAML; empty when Synced. */
  diff: string;
  /** Live as compared: normalized, ignore rules applied, Secret values masked. */
  live?: KubeObject;
  /** What live would become (or, when Missing, what would be created), prepared the same way. */
  predicted?: KubeObject;
}

export function diffObject(input: ObjectDiffInput, options?: Partial<DiffOptions>): ObjectDiff {
  const { ignoreDifferences, listKeys, secretMaskKey, textDiffContext } = resolveDiffOptions(options);
  const { desired, predicted, live } = input;
  const named = desired ?? predicted ?? live;
  if (!named) throw new Error('diffObject: an input needs at least one of desired, predicted or live');
  const ref = refOf(named);
  const prepare = (object: KubeObject): KubeObject => foldStringData(normalize(object));

  if (live === undefined) {
    const created = maskSecret(prepare(predicted ?? named), secretMaskKey);
    return { ref, status: objectSyncStatuses.Missing, patch: [], diff: yamlDiff(ref, undefined, created, textDiffContext), predicted: created };
  }
  if (desired === undefined) {
    const removed = maskSecret(prepare(live), secretMaskKey);
    return { ref, status: objectSyncStatuses.Extraneous, patch: [], diff: yamlDiff(ref, removed, undefined, textDiffContext), live: removed };
  }

  const keysOf = listKeyResolver(ref, listKeys);
  const liveSide = prepare(live);
  const mode = predicted ? comparisonModes.serverSideDryRun : comparisonModes.desiredSubset;
  const predictedSide = predicted ? prepare(predicted) : cloneJson(overlayDesired(liveSide, prepare(desired), keysOf) as KubeObject);
  applyIgnoreRules(ref, ignoreDifferences, live, [liveSide, predictedSide]);
  const maskedLive = maskSecret(liveSide, secretMaskKey);
  const maskedPredicted = maskSecret(predictedSide, secretMaskKey);

  const patch = createPatch(maskedLive, maskedPredicted, keysOf);
  const status = patch.length > 0 ? objectSyncStatuses.OutOfSync : objectSyncStatuses.Synced;
  const diff = patch.length > 0 ? yamlDiff(ref, maskedLive, maskedPredicted, textDiffContext) : '';
  return { ref, status, mode, patch, diff, live: maskedLive, predicted: maskedPredicted };
}
