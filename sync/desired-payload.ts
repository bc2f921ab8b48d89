/**
 * The objects exactly as the engine sends them to the API server: namespaced
 * objects without a namespace get the destination, cluster-scoped ones lose a
 * stray namespace, and each carries the `berth.dev/app` annotation. A drift
 * check must dry-run these, not the raw render: a dry run without the annotation
 * Berth owns would predict its removal, which is false drift.
 *
 * Hooks (Berth's, Argo CD's, Helm's) and objects that are not applied (Skip, Helm
 * tests) are left out: they are runs, not state to keep, so a hook deleted by its
 * policy, a `generateName` hook, or a Helm test Pod that was never created is no
 * drift (as in Argo CD, where hooks do not count toward the sync status).
 */
import { refOf, type KubeObject } from '../objects.ts';
import { applyPayload } from './apply-object.ts';
import type { ClusterClient } from './cluster.ts';
import { hookPlacementOf } from './hooks.ts';
import { assignNamespaces } from './namespaces.ts';

export interface PayloadOptions {
  appName: string | undefined;
  destinationNamespace: string | undefined;
}

export async function prepareDesired(objects: readonly KubeObject[], options: PayloadOptions, client: ClusterClient): Promise<KubeObject[]> {
  const placed = await assignNamespaces(objects.filter(isKeptState), options.destinationNamespace, client);
  return placed.map((object) => applyPayload(object, options.appName));
}

function isKeptState(object: KubeObject): boolean {
  try {
    return hookPlacementOf(object, refOf(object)).kind === 'object';
  } catch {
    // An invalid hook annotation: the sync refuses the object and says why; the drift check keeps comparing it.
    return true;
  }
}
