/**
 * The fallback when no server-side dry run is available: an approximation of the live
 * object after applying `desired`, built on the client as "live, with every field that
 * desired sets laid over it". Comparing it with live is a "desired is a subset of live"
 * check that keeps the rest of the pipeline (ignore rules, masking, patch, text diff) the
 * same in both modes.
 *
 * Rules: a field desired leaves out, sets to null or to an empty map or list keeps its
 * live value (defaults and other managers' fields are not drift); maps merge member by
 * member; keyed lists merge item by item and keep live's order (another manager's items
 * and the API server's own ordering are not drift), with new items placed after their
 * desired predecessor; other lists are taken from desired unless they merge item by item
 * at the same length; resource quantities equal in value keep the live spelling.
 */
import { isEmptyContainer, isPlainObject } from './json-value.ts';
import type { PathSegment } from './json-pointer.ts';
import { itemKey, type ListKeyResolver } from './list-keys.ts';
import { quantitiesEqual } from './quantity.ts';

const quantityMaps = new Set(['limits', 'requests', 'hard', 'capacity', 'allocatable', 'overhead', 'default', 'defaultRequest', 'max', 'min', 'maxLimitRequestRatio']);

function isQuantityPath(path: readonly PathSegment[]): boolean {
  const parent = path.at(-2);
  return (typeof parent === 'string' && quantityMaps.has(parent)) || path.at(-1) === 'sizeLimit';
}

function isUnset(value: unknown): boolean {
  return value === null || value === undefined || isEmptyContainer(value);
}

/** `desired` with its unset members (null, empty maps and lists) taken out: what it really sets. */
function setFieldsOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(setFieldsOf);
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (!isUnset(member)) copy[key] = setFieldsOf(member);
  }
  return copy;
}

export function overlayDesired(live: unknown, desired: unknown, listKeys: ListKeyResolver, path: PathSegment[] = []): unknown {
  if (isUnset(desired)) return live;
  if (isPlainObject(desired)) {
    if (!isPlainObject(live)) return setFieldsOf(desired);
    const merged: Record<string, unknown> = { ...live };
    for (const [key, value] of Object.entries(desired)) {
      if (!isUnset(value)) merged[key] = overlayDesired(live[key], value, listKeys, [...path, key]);
    }
    return merged;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return setFieldsOf(desired);
    const keys = listKeys(path, live, desired);
    if (keys) return overlayKeyedList(live, desired, keys, listKeys, path);
    if (live.length === desired.length) return desired.map((item, i) => overlayDesired(live[i], item, listKeys, [...path, i]));
    return setFieldsOf(desired);
  }
  const bothScalars = (typeof live === 'string' || typeof live === 'number') && (typeof desired === 'string' || typeof desired === 'number');
  if (bothScalars && isQuantityPath(path) && quantitiesEqual(live, desired)) return live;
  return desired;
}

function overlayKeyedList(
  live: readonly unknown[], desired: readonly unknown[], keys: readonly string[], listKeys: ListKeyResolver, path: PathSegment[],
): unknown[] {
  const keyOf = (item: unknown): string => itemKey(item, keys) ?? '';
  const merged = [...live];
  const mergedKeys = live.map(keyOf);
  let insertAt = 0;
  for (const item of desired) {
    const key = keyOf(item);
    const index = mergedKeys.indexOf(key);
    if (index >= 0) {
      merged[index] = overlayDesired(merged[index], item, listKeys, [...path, index]);
      insertAt = index + 1;
    } else {
      merged.splice(insertAt, 0, setFieldsOf(item));
      mergedKeys.splice(insertAt, 0, key);
      insertAt += 1;
    }
  }
  return merged;
}
