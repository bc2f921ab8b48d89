/**
 * The default drift test of the engine: the server's dry-run prediction against
 * the live object, after dropping what the server alone writes (status,
 * resourceVersion, managedFields, timestamps). diff/ offers a finer one (ignore
 * rules, defaults) that src/ passes in as `hasDrifted`.
 */
import { fieldManager, type KubeObject } from '../objects.ts';

const serverOwnedMetadata = ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp', 'uid', 'selfLink'] as const;

function normalized(object: KubeObject): unknown {
  const { status: _status, metadata, ...rest } = object;
  const meta = Object.fromEntries(Object.entries(metadata).filter(([key]) => !(serverOwnedMetadata as readonly string[]).includes(key)));
  return { ...rest, metadata: meta };
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left).filter((key) => left[key] !== undefined);
  const otherKeys = Object.keys(right).filter((key) => right[key] !== undefined);
  return keys.length === otherKeys.length && keys.every((key) => deepEqual(left[key], right[key]));
}

export function isDriftedByDefault(predicted: KubeObject, live: KubeObject): boolean {
  return !deepEqual(normalized(predicted), normalized(live));
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
