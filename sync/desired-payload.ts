/**
 * The objects exactly as the engine sends them to the API server: namespaced
 * objects without a namespace get the destination, cluster-scoped ones lose a
 * stray namespace, and each carries the `berth.dev/app` annotation. A drift
 * check must dry-run these, not the raw render: a dry run without the annotation
 * Berth owns would predict its removal, which is false drift.
 */
import type { KubeObject } from '../objects.ts';
import { applyPayload } from './apply-object.ts';
import type { ClusterClient } from './cluster.ts';
import { assignNamespaces } from './namespaces.ts';

export interface PayloadOptions {
  appName: string | undefined;
  destinationNamespace: string | undefined;
}

export async function prepareDesired(objects: readonly KubeObject[], options: PayloadOptions, client: ClusterClient): Promise<KubeObject[]> {
  const placed = await assignNamespaces(objects, options.destinationNamespace, client);
  return placed.map((object) => applyPayload(object, options.appName));
}
