/**
 * Normalization: what is left of an object once everything that is never drift is gone.
 *
 * Removed: `metadata.managedFields`, `resourceVersion`, `uid`, `generation`,
 * `creationTimestamp`, `selfLink`, the `kubectl.kubernetes.io/last-applied-configuration`
 * annotation, and `status` (state owned by the status subresource and controllers), then
 * `null` members (the API server omits unset fields; a renderer writes
 * `creationTimestamp: null`) and the metadata maps and lists this leaves empty
 * (`annotations: {}`). Everything else is kept as is, empty or not: `emptyDir: {}` means
 * something. The input is never modified.
 */
import type { KubeObject } from '../objects.ts';
import { isEmptyContainer, isPlainObject } from './json-value.ts';

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

const serverOwnedMetadata = ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink'] as const;
const metadataCollections = ['annotations', 'labels', 'finalizers', 'ownerReferences'] as const;

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== null && member !== undefined) copy[key] = withoutNulls(member);
  }
  return copy;
}

export function normalize(object: KubeObject): KubeObject {
  const { status: _status, ...rest } = object;
  const copy = withoutNulls(rest) as KubeObject;
  const metadata = isPlainObject(copy.metadata) ? copy.metadata : {};
  copy.metadata = metadata;
  for (const field of serverOwnedMetadata) Reflect.deleteProperty(metadata, field);
  if (metadata.annotations) Reflect.deleteProperty(metadata.annotations, lastAppliedAnnotation);
  for (const field of metadataCollections) {
    if (isEmptyContainer(metadata[field])) Reflect.deleteProperty(metadata, field);
  }
  return copy;
}
