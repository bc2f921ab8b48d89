/**
 * One read of each live object per reconcile, shared by the steps that look at it:
 * the rollout check, the drift check and the live health of the status read the
 * same objects within a second, and before this each read them again (about three
 * gets per object per reconcile; issue 6 measured 18 API requests per reconcile).
 *
 * `sharedReads(client)` answers `get` from what an earlier `get` of the same object
 * returned through it; everything else goes to `client`. It is for looking, never
 * for waiting: a loop that polls an object until it changes must use the plain
 * client, so the sync engine is never handed one.
 *
 * Promises:
 * - A write through it (apply, delete) forgets the object, so a later get reads it again.
 * - A dry run that answers with another resourceVersion than the remembered object
 *   forgets it: someone wrote since, and the drift check's consistency retry (a dry
 *   run and a get of one version) then reads the object afresh instead of comparing
 *   with the stale copy again.
 * - A failed get is not remembered.
 * - After a write through another client (the sync engine's), `forgetAll`.
 */
import { refKey, refOf, type KubeObject, type ObjectRef } from '../objects.ts';
import type { ClusterClient } from './cluster.ts';

export interface SharedReads extends ClusterClient {
  /** Forget everything read so far: the caller wrote to the cluster through another client. */
  forgetAll(): void;
}

export function sharedReads(client: ClusterClient): SharedReads {
  const reads = new Map<string, Promise<KubeObject | undefined>>();
  const settled = new Map<string, KubeObject | undefined>();
  const forget = (key: string): void => {
    reads.delete(key);
    settled.delete(key);
  };
  // Remembered per API version (a get answers in the version asked for), forgotten
  // in all of them: a write changes the object, whatever version it went through.
  const keyOf = (ref: ObjectRef): string => `${refKey(ref)}@${ref.version}`;
  const forgetAll = (ref: ObjectRef): void => {
    const prefix = `${refKey(ref)}@`;
    for (const key of [...reads.keys()]) if (key.startsWith(prefix)) forget(key);
  };

  const shared: SharedReads = {
    forgetAll() {
      reads.clear();
      settled.clear();
    },
    get(ref: ObjectRef) {
      const key = keyOf(ref);
      let read = reads.get(key);
      if (read === undefined) {
        read = client.get(ref);
        reads.set(key, read);
        read.then(
          (live) => { if (reads.get(key) === read) settled.set(key, live); },
          () => { if (reads.get(key) === read) forget(key); },
        );
      }
      return read;
    },
    async apply(object, options) {
      const ref = refOf(object);
      const key = keyOf(ref);
      if (!options.dryRun) forgetAll(ref);
      const result = await client.apply(object, options);
      if (options.dryRun && settled.has(key)) {
        const live = settled.get(key);
        if ((live?.metadata.resourceVersion ?? '') !== (result.metadata.resourceVersion ?? '')) forget(key);
      }
      return result;
    },
    async delete(ref, options) {
      forgetAll(ref);
      await client.delete(ref, options);
    },
    resourceScope: (group, version, kind) => client.resourceScope(group, version, kind),
  };
  const { list } = client;
  if (list !== undefined) shared.list = (apiVersion, kind, options) => list.call(client, apiVersion, kind, options);
  const { listEvents } = client;
  if (listEvents !== undefined) shared.listEvents = (ref) => listEvents.call(client, ref);
  return shared;
}
