/**
 * Reading live objects for a comparison with a server-side apply dry run, shared by
 * the drift check and the apply engine:
 * - `readConsistently`: the one "dry run, read, read again until both saw one version
 *   of the object" loop (`isSameVersion`), so that comparing them shows only what
 *   Berth's apply would change;
 * - `listedReader`: many objects of one kind in one namespace read with one list
 *   instead of a get each.
 */
import type { KubeObject } from '../objects.ts';
import type { LiveObjectLister } from './cluster.ts';

const resourceVersionOf = (object: KubeObject | undefined): string => object?.metadata.resourceVersion ?? '';

/**
 * Whether a dry run and a read saw the same version of the object. A dry run answers
 * with the resourceVersion of the object it started from (it writes nothing), so equal
 * versions mean predicted is exactly live plus Berth's apply. Unequal ones mean a
 * controller wrote in between (the deployment controller bumping its revision
 * annotation right after an edit), and comparing them would take that write for drift.
 */
export function isSameVersion(predicted: KubeObject, live: KubeObject | undefined): boolean {
  return resourceVersionOf(predicted) === resourceVersionOf(live);
}

/** A dry run's prediction beside a read of the live object, or the dry run's failure. */
export type Reading<Failure> =
  | { predicted: KubeObject; live: KubeObject | undefined }
  | { failure: Failure; live: KubeObject | undefined };

/** A reading whose dry run succeeded. */
export type Prediction = { predicted: KubeObject; live: KubeObject | undefined };

/**
 * `first`, or a later reading from `readAgain` (at most `retries` of them), whose dry
 * run and read saw one version of the object. A failed dry run ends the loop: there is
 * nothing to compare. After the last retry the reading is returned as it is; the
 * comparison then may see a controller's write, which costs one needless apply at worst.
 * `readAgain` gets the reading to improve, so a caller may read only the side that
 * is behind (the apply engine reads live again before it repeats a dry run).
 */
export async function readConsistently<Failure>(
  first: Reading<Failure>, readAgain: (previous: Prediction) => Promise<Reading<Failure>>, retries: number,
): Promise<Reading<Failure>> {
  let reading = first;
  for (let retry = 0; retry < retries && 'predicted' in reading && !isSameVersion(reading.predicted, reading.live); retry += 1) {
    reading = await readAgain(reading);
  }
  return reading;
}

export type Listing = { listed: true; live: KubeObject | undefined } | { listed: false };

/**
 * For objects in a group (apiVersion, kind, namespace) of at least `threshold` of
 * `desired`, their live object from one list of the group, started on first use; for
 * the others, and for all when there is no lister, undefined (read them with a get).
 * A failed list answers `{ listed: false }`: it costs precision nowhere, the object is
 * then read on its own.
 */
export function listedReader(desired: readonly KubeObject[], lister: LiveObjectLister | undefined, threshold: number, onList: () => void): (object: KubeObject) => Promise<Listing> | undefined {
  const groupOf = (object: KubeObject): string => `${object.apiVersion}|${object.kind}|${object.metadata.namespace ?? ''}`;
  const sizes = new Map<string, number>();
  for (const object of desired) sizes.set(groupOf(object), (sizes.get(groupOf(object)) ?? 0) + 1);
  const lists = new Map<string, Promise<Map<string, KubeObject> | undefined>>();
  const keyOf = (object: KubeObject): string => `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
  return (object) => {
    const group = groupOf(object);
    if (!lister || (sizes.get(group) ?? 0) < threshold) return undefined;
    let list = lists.get(group);
    if (!list) {
      onList();
      list = lister.list(object.apiVersion, object.kind, { namespace: object.metadata.namespace }).then(
        (items) => new Map(items.map((item) => [keyOf(item), item])),
        () => undefined,
      );
      lists.set(group, list);
    }
    return list.then((items) => (items ? { listed: true, live: items.get(keyOf(object)) } : { listed: false }));
  };
}
