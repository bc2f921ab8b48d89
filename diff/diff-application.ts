/**
 * Drift of a whole Application: every desired object, every prune candidate, and one
 * aggregate status.
 *
 * The aggregate is Synced only when every object is Synced. Missing, OutOfSync and
 * Extraneous each make it OutOfSync: an object still in the cluster that Git no longer
 * has is a difference between Git and the cluster, whether or not automated prune is on
 * (as in Argo CD, where a resource that requires pruning leaves the application OutOfSync).
 * Except a live object whose compare options say `IgnoreExtraneous` (Argo CD's
 * `argocd.argoproj.io/compare-options` or `berth.dev/compare-options`): it is still
 * reported Extraneous, but leaves the aggregate as it is, as in Argo CD.
 */
import { ignoresExtraneous, refKey, refOf, type KubeObject } from '../objects.ts';
import { resolveDiffOptions, type DiffOptions } from './options.ts';
import { diffObject, objectSyncStatuses, type ObjectDiff, type ObjectDiffInput, type ObjectSyncStatus } from './diff-object.ts';

export const applicationSyncStatuses = { Synced: 'Synced', OutOfSync: 'OutOfSync' } as const;
export type ApplicationSyncStatus = (typeof applicationSyncStatuses)[keyof typeof applicationSyncStatuses];

export interface ApplicationDiffInput {
  /** One entry per desired object. */
  objects: readonly ObjectDiffInput[];
  /** Live objects of the previous inventory. Any that is still desired is left out: never prune what Git has. */
  pruneCandidates?: readonly KubeObject[];
}

export interface ApplicationDiff {
  status: ApplicationSyncStatus;
  objects: ObjectDiff[];
  counts: Record<ObjectSyncStatus, number>;
}

export function syncStatusOf(results: readonly Pick<ObjectDiff, 'status'>[]): ApplicationSyncStatus {
  return results.every((result) => result.status === objectSyncStatuses.Synced) ? applicationSyncStatuses.Synced : applicationSyncStatuses.OutOfSync;
}

export function diffApplication(input: ApplicationDiffInput, options?: Partial<DiffOptions>): ApplicationDiff {
  const resolved = resolveDiffOptions(options);
  const desiredKeys = new Set(input.objects.flatMap(({ desired }) => (desired ? [refKey(refOf(desired))] : [])));
  const pruned = (input.pruneCandidates ?? []).filter((live) => !desiredKeys.has(refKey(refOf(live))));
  const objects = [
    ...input.objects.map((object) => diffObject(object, resolved)),
    ...pruned.map((live) => diffObject({ live }, resolved)),
  ];
  const counts: Record<ObjectSyncStatus, number> = { Synced: 0, OutOfSync: 0, Missing: 0, Extraneous: 0 };
  for (const object of objects) counts[object.status] += 1;
  const counted = objects.filter((object) => object.status !== objectSyncStatuses.Extraneous || !ignoresExtraneous(object.live?.metadata.annotations));
  return { status: syncStatusOf(counted), objects, counts };
}
