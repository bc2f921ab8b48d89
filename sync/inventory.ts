/**
 * The inventory: the refs of the objects Berth applied for an Application, the
 * memory prune works from (labels alone cannot say what Berth applied before).
 * Pure values and functions; the sync is handed the previous inventory and
 * returns the next, and src/ keeps it (in the Application's release record).
 *
 * An inventory is kept sorted by `refKey` and free of duplicates, so two equal
 * inventories serialize identically.
 */
import { refKey, type ObjectRef } from '../objects.ts';

export interface Inventory {
  readonly entries: readonly ObjectRef[];
}

export const emptyInventory: Inventory = { entries: [] };

/** An inventory of `refs`; of two refs with one key (two API versions), the last one given wins. */
export function inventoryOf(refs: Iterable<ObjectRef>): Inventory {
  const byKey = new Map<string, ObjectRef>();
  for (const ref of refs) {
    const { group, version, kind, namespace, name } = ref;
    byKey.set(refKey(ref), { group, version, kind, namespace, name });
  }
  const entries = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ref]) => ref);
  return { entries };
}

/** Refs of `previous` whose object is not among `desired` (compared across API versions). */
export function inventoryDifference(previous: Inventory, desired: Iterable<ObjectRef>): ObjectRef[] {
  const wanted = new Set([...desired].map(refKey));
  return previous.entries.filter((ref) => !wanted.has(refKey(ref)));
}

export function inventoryUnion(...inventories: Inventory[]): Inventory {
  return inventoryOf(inventories.flatMap((inventory) => inventory.entries));
}

export function inventoryWithout(inventory: Inventory, removed: Iterable<ObjectRef>): Inventory {
  const gone = new Set([...removed].map(refKey));
  return { entries: inventory.entries.filter((ref) => !gone.has(refKey(ref))) };
}
