/**
 * Self-heal on every cluster (issue 19): one managed-object watch per cluster
 * an Application deploys to, each on that cluster's own connection and
 * discovery, behind the one ManagedWatch interface the controller already
 * feeds with inventories. An Application's inventory goes to its destination's
 * watch; when it moves to another cluster it leaves the old one.
 *
 * The remote watches reach their cluster through `connect`, asked again on
 * every (re)start of a list or watch, so a rotated Secret or a cluster that
 * was down is picked up by the list/watch engine's own retry.
 */
import type { ObjectRef } from '../../objects.ts';
import { objectPath, type Discovery } from '../kube/discovery.ts';
import { createListWatchTransport, type ListWatchTransport } from '../kube/list-watch.ts';
import type { RestClient } from '../kube/rest.ts';
import { createManagedWatch, type ManagedWatch, type ManagedWatchOptions } from './managed-watch.ts';
import { localClusterName } from '../clusters/cluster-secret.ts';

export interface ClusterWatchesOptions {
  /** The watch of the cluster Berth runs in. */
  local: ManagedWatch;
  /** The cluster an Application deploys to now (`in-cluster` for the local one), or undefined when it has none it may use. */
  clusterOf(app: string): string | undefined;
  /** The connection of a remote cluster, opened if need be; it throws while the cluster cannot be used. */
  connect(cluster: string): Promise<{ rest: RestClient; discovery: Discovery }>;
  /** What the local watch does on a change and an error, for the remote ones too. */
  onChange: ManagedWatchOptions['onChange'];
  onError: NonNullable<ManagedWatchOptions['onError']>;
  namespaces?: readonly string[];
}

function lazyTransport(connect: () => Promise<RestClient>): ListWatchTransport {
  return {
    async list(path) {
      return createListWatchTransport(await connect()).list(path);
    },
    async watch(path, resourceVersion, onEvent, onDone) {
      return createListWatchTransport(await connect()).watch(path, resourceVersion, onEvent, onDone);
    },
  };
}

export function createClusterWatches(options: ClusterWatchesOptions): ManagedWatch {
  const remote = new Map<string, ManagedWatch>();
  /** Which cluster's watch holds each Application's inventory. */
  const placed = new Map<string, string>();

  const watchOf = (cluster: string): ManagedWatch => {
    if (cluster === localClusterName) return options.local;
    let watch = remote.get(cluster);
    if (!watch) {
      watch = createManagedWatch({
        transport: lazyTransport(async () => (await options.connect(cluster)).rest),
        ...(options.namespaces ? { namespaces: options.namespaces } : {}),
        async collectionPath(kind, namespace) {
          const { discovery } = await options.connect(cluster);
          const info = await discovery.resolve(kind.group ? `${kind.group}/${kind.version}` : kind.version, kind.kind);
          return objectPath({ ...info, namespaced: info.namespaced && namespace !== '' }, namespace, '');
        },
        onChange: options.onChange,
        onError: (error, watched) => { options.onError(error, `${watched} on cluster ${cluster}`); },
      });
      remote.set(cluster, watch);
    }
    return watch;
  };

  return {
    setInventory(app: string, refs: readonly ObjectRef[]) {
      const cluster = options.clusterOf(app);
      const before = placed.get(app);
      if (before !== undefined && before !== cluster) watchOf(before).forget(app);
      if (cluster === undefined) {
        placed.delete(app);
        return;
      }
      placed.set(app, cluster);
      watchOf(cluster).setInventory(app, refs);
    },
    knows(app: string) {
      const cluster = placed.get(app);
      return cluster !== undefined && watchOf(cluster).knows(app);
    },
    forget(app: string) {
      const cluster = placed.get(app);
      if (cluster !== undefined) watchOf(cluster).forget(app);
      placed.delete(app);
    },
    watches() {
      return [...options.local.watches(), ...[...remote].flatMap(([cluster, watch]) => watch.watches().map((name) => `${name} on ${cluster}`))];
    },
    async stop() {
      await Promise.all([options.local.stop(), ...[...remote.values()].map((watch) => watch.stop())]);
    },
  };
}
