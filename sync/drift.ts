/**
 * The one drift rule of Berth: diff/'s comparison of the server's dry-run
 * prediction with the live object (normalization, keyed lists, quantities,
 * Secret folding) under the Application's `ignoreDifferences`. The sync engine
 * (release step, self-heal, manual dry run) asks it through `SyncOptions`, the
 * drift check (report, API) through diff/ directly with the same options, so a
 * dry run predicts the sync that runs and a field an ignore rule hides is never
 * "healed" (issue 14: the engine once compared raw JSON while the report used diff/).
 */
import { diffObject, type DiffOptions, type IgnoreDifferenceRule } from '../diff/index.ts';
import { fieldManager, type KubeObject } from '../objects.ts';

/** What the rule needs of a sync's options. */
export interface DriftRuleOptions {
  ignoreDifferences: readonly IgnoreDifferenceRule[];
}

/** Whether the server's prediction of an object differs from the live object. */
export type HasDrifted = (predicted: KubeObject, live: KubeObject, options: DriftRuleOptions) => boolean;

/**
 * diff/'s rule. The engine asks `(predicted, live)`; diff/ also wants the desired
 * object, but only to name it and to fall back when there is no prediction, so
 * the prediction stands in. `fixed` options win over the sync's (none in Berth).
 */
export function diffHasDrifted(fixed: Partial<DiffOptions> = {}): HasDrifted {
  return (predicted, live, { ignoreDifferences }) => diffObject({ desired: predicted, predicted, live }, { ignoreDifferences, ...fixed }).status !== 'Synced';
}

/**
 * Whether Berth already owns fields of the live object through server-side
 * apply. An object created by someone else, equal in value, must still be
 * applied once, or Berth would never own its fields (and removing a field from
 * Git would not remove it from the cluster). Objects that carry no managedFields
 * at all (some test fakes, very old servers) count as owned.
 */
export function isOwnedByBerth(live: KubeObject): boolean {
  const managed = live.metadata.managedFields;
  if (managed === undefined || managed.length === 0) return true;
  return managed.some((entry) => entry.manager === fieldManager && entry.operation === 'Apply');
}
