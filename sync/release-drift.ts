/**
 * The drift test a release plugs into the engine (`SyncOptions.hasDrifted`):
 * diff/'s comparison of the server's dry-run prediction with the live object,
 * which knows normalization, keyed lists, quantities, Secret folding and the
 * Application's ignore rules, where the engine's default compares raw JSON.
 *
 * The engine asks `(predicted, live)`; diff/ also wants the desired object, but
 * only to name it and to fall back when there is no prediction. With a
 * prediction in hand, the prediction names the same object, so it stands in.
 */
import { diffObject, type DiffOptions } from '../diff/index.ts';
import type { HasDrifted } from './options.ts';

export function diffHasDrifted(options: Partial<DiffOptions> = {}): HasDrifted {
  return (predicted, live) => diffObject({ desired: predicted, predicted, live }, options).status !== 'Synced';
}
