/**
 * An RFC 6902 patch from one JSON value to another, small enough to read: only changed
 * leaves and list items, with associative lists paired by key (list-keys.ts) so that an
 * insertion is one `add` and a reordering is a few `move`s, never a rewrite by position.
 *
 * Promise: applying the patch, in order, to `before` gives a value deep-equal to `after`.
 * Structural list operations (remove, move, add) come before the changes inside kept
 * items, so every index in a path is valid at the moment its operation runs.
 */
import { formatPointer, type PathSegment } from './json-pointer.ts';
import { deepEqual, isPlainObject } from './json-value.ts';
import { itemKey, type ListKeyResolver } from './list-keys.ts';

export type PatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'move'; from: string; path: string };

/** Above this many item comparisons an unkeyed list of a new length is replaced whole rather than aligned. */
const maxAlignmentWork = 250_000;

export function createPatch(before: unknown, after: unknown, listKeys: ListKeyResolver): PatchOperation[] {
  const ops: PatchOperation[] = [];
  diffValue([], before, after, ops, listKeys);
  return ops;
}

function diffValue(path: PathSegment[], before: unknown, after: unknown, ops: PatchOperation[], listKeys: ListKeyResolver): void {
  if (before === after) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) ops.push({ op: 'remove', path: formatPointer([...path, key]) });
    }
    for (const [key, value] of Object.entries(after)) {
      if (Object.hasOwn(before, key)) diffValue([...path, key], before[key], value, ops, listKeys);
      else ops.push({ op: 'add', path: formatPointer([...path, key]), value });
    }
  } else if (Array.isArray(before) && Array.isArray(after)) {
    const keys = listKeys(path, before, after);
    if (keys) diffKeyedList(path, before, after, keys, ops, listKeys);
    else if (before.length === after.length) before.forEach((item, i) => { diffValue([...path, i], item, after[i], ops, listKeys); });
    else diffUnkeyedList(path, before, after, ops, listKeys);
  } else if (!deepEqual(before, after)) {
    ops.push({ op: 'replace', path: formatPointer(path), value: after });
  }
}

function diffKeyedList(
  path: PathSegment[], before: readonly unknown[], after: readonly unknown[], keys: readonly string[],
  ops: PatchOperation[], listKeys: ListKeyResolver,
): void {
  const keyOf = (item: unknown): string => itemKey(item, keys) ?? '';
  const afterKeys = after.map(keyOf);
  const afterIndex = new Map(afterKeys.map((key, i) => [key, i]));
  const beforeByKey = new Map(before.map((item) => [keyOf(item), item]));
  const at = (index: number): string => formatPointer([...path, index]);

  // The list as the operations leave it, by key.
  const current = before.map(keyOf);
  for (let i = current.length - 1; i >= 0; i--) {
    if (!afterIndex.has(current[i] ?? '')) {
      ops.push({ op: 'remove', path: at(i) });
      current.splice(i, 1);
    }
  }

  // Items on a longest run already in the wanted order stay; each other item moves once,
  // to just after the item that precedes it in `after`.
  const staying = longestIncreasingRun(current.map((key) => afterIndex.get(key) ?? 0)).map((i) => current[i]);
  const stays = new Set(staying);
  const present = new Set(current);
  afterKeys.forEach((key, j) => {
    if (!present.has(key) || stays.has(key)) return;
    const from = current.indexOf(key);
    current.splice(from, 1);
    let to = 0;
    for (let t = j - 1; t >= 0; t--) {
      const previous = current.indexOf(afterKeys[t] ?? '');
      if (previous >= 0) { to = previous + 1; break; }
    }
    current.splice(to, 0, key);
    if (from !== to) ops.push({ op: 'move', from: at(from), path: at(to) });
  });

  afterKeys.forEach((key, j) => {
    if (present.has(key)) return;
    ops.push({ op: 'add', path: at(j), value: after[j] });
    current.splice(j, 0, key);
  });

  afterKeys.forEach((key, j) => {
    if (beforeByKey.has(key)) diffValue([...path, j], beforeByKey.get(key), after[j], ops, listKeys);
  });
}

/** Indices of one longest strictly increasing subsequence of `values` (patience sorting, O(n log n)). */
function longestIncreasingRun(values: readonly number[]): number[] {
  const tails: number[] = [];
  const previous: number[] = new Array<number>(values.length).fill(-1);
  values.forEach((value, i) => {
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((values[tails[middle] ?? 0] ?? 0) < value) low = middle + 1;
      else high = middle;
    }
    if (low > 0) previous[i] = tails[low - 1] ?? -1;
    tails[low] = i;
  });
  const run: number[] = [];
  for (let i = tails.at(-1) ?? -1; i >= 0; i = previous[i] ?? -1) run.push(i);
  return run.reverse();
}

/** An unkeyed list whose length changed: keep the longest common subsequence, remove and add the rest. */
function diffUnkeyedList(path: PathSegment[], before: readonly unknown[], after: readonly unknown[], ops: PatchOperation[], listKeys: ListKeyResolver): void {
  if (before.length * after.length > maxAlignmentWork) {
    diffValue(path, null, after, ops, listKeys);
    return;
  }
  const kept = commonSubsequence(before, after);
  const keptBefore = new Set(kept.map(([i]) => i));
  const keptAfter = new Set(kept.map(([, j]) => j));
  for (let i = before.length - 1; i >= 0; i--) {
    if (!keptBefore.has(i)) ops.push({ op: 'remove', path: formatPointer([...path, i]) });
  }
  after.forEach((value, j) => {
    if (!keptAfter.has(j)) ops.push({ op: 'add', path: formatPointer([...path, j]), value });
  });
}

function commonSubsequence(before: readonly unknown[], after: readonly unknown[]): [number, number][] {
  const n = before.length;
  const m = after.length;
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  const cell = (i: number, j: number): number => table[i]?.[j] ?? 0;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = table[i];
      if (row) row[j] = deepEqual(before[i], after[j]) ? cell(i + 1, j + 1) + 1 : Math.max(cell(i + 1, j), cell(i, j + 1));
    }
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < n && j < m;) {
    if (deepEqual(before[i], after[j])) { pairs.push([i, j]); i++; j++; }
    else if (cell(i + 1, j) >= cell(i, j + 1)) i++;
    else j++;
  }
  return pairs;
}
