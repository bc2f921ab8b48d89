/**
 * The resource tree of one Application, built once on the server so the
 * browser never asks per node: Namespaces; in each, the workloads with what
 * they own live (Deployment → ReplicaSet → Pod, StatefulSet / DaemonSet → Pod,
 * CronJob → Job → Pod, through ownerReferences UIDs); every other managed object
 * grouped by kind. Pure: the managed objects come from the stored status, the
 * live ones from live-reader.ts.
 */
import type { ResourceStatus } from '../../application/index.ts';
import type { LiveNode } from './live-reader.ts';

export interface TreeNode {
  id: string;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  managed: boolean;
  sync: string | null;
  health: { status: string; message?: string } | null;
  children: TreeNode[];
}

export interface KindGroup {
  group: string;
  kind: string;
  nodes: TreeNode[];
}

export interface NamespaceBranch {
  name: string;
  node: TreeNode | null;
  workloads: TreeNode[];
  groups: KindGroup[];
}

export interface ResourceTree {
  total: number;
  truncated: boolean;
  live: 'ok' | 'unavailable';
  liveMessage?: string;
  namespaces: NamespaceBranch[];
  clusterScoped: KindGroup[];
}

export const workloadKinds: ReadonlySet<string> = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', 'batch/CronJob']);

const idOf = (ref: { group: string; kind: string; namespace: string; name: string }): string => `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}`;

function managedNode(resource: ResourceStatus): TreeNode {
  const namespace = resource.namespace ?? '';
  return {
    id: idOf({ ...resource, namespace }), group: resource.group, version: resource.version, kind: resource.kind, namespace, name: resource.name,
    managed: true, sync: resource.status, health: resource.health ? { ...resource.health } : null, children: [],
  };
}

function liveTreeNode(node: LiveNode): TreeNode {
  return {
    id: idOf(node), group: node.group, version: node.version, kind: node.kind, namespace: node.namespace, name: node.name,
    managed: false, sync: null, health: node.health ?? null, children: [],
  };
}

const byName = (a: TreeNode, b: TreeNode): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function grouped(nodes: readonly TreeNode[]): KindGroup[] {
  const groups = new Map<string, KindGroup>();
  for (const node of nodes) {
    const key = `${node.kind}\0${node.group}`;
    let group = groups.get(key);
    if (!group) {
      group = { group: node.group, kind: node.kind, nodes: [] };
      groups.set(key, group);
    }
    group.nodes.push(node);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => ({ ...group, nodes: group.nodes.sort(byName) }));
}

/** An old ReplicaSet (scaled to 0, no Pods left) is history, not part of what runs. */
function isIdle(node: LiveNode, children: readonly TreeNode[]): boolean {
  return node.kind === 'ReplicaSet' && node.replicas === 0 && children.length === 0;
}

export function buildResourceTree(
  resources: readonly ResourceStatus[],
  live: { nodes: readonly LiveNode[]; truncated: boolean } | { error: string },
): ResourceTree {
  const liveNodes = 'nodes' in live ? live.nodes : [];
  const ownedBy = new Map<string, LiveNode[]>();
  const liveById = new Map<string, LiveNode>();
  for (const node of liveNodes) {
    liveById.set(idOf(node), node);
    for (const owner of node.owners) {
      const list = ownedBy.get(owner) ?? [];
      list.push(node);
      ownedBy.set(owner, list);
    }
  }
  let total = 0;
  // Depth-bounded: ownerReferences are written by others, and a cycle must not hang the request.
  const descendants = (uid: string, depth: number, seen: Set<string>): TreeNode[] => {
    if (depth > 3 || uid === '' || seen.has(uid)) return [];
    seen.add(uid);
    const children: TreeNode[] = [];
    for (const child of ownedBy.get(uid) ?? []) {
      const grandchildren = descendants(child.uid, depth + 1, seen);
      if (isIdle(child, grandchildren)) continue;
      const node = liveTreeNode(child);
      node.children = grandchildren;
      children.push(node);
    }
    total += children.length;
    return children.sort(byName);
  };

  const branches = new Map<string, { node: TreeNode | null; workloads: TreeNode[]; others: TreeNode[] }>();
  const branch = (name: string): { node: TreeNode | null; workloads: TreeNode[]; others: TreeNode[] } => {
    let found = branches.get(name);
    if (!found) {
      found = { node: null, workloads: [], others: [] };
      branches.set(name, found);
    }
    return found;
  };
  const clusterScoped: TreeNode[] = [];
  const seen = new Set<string>();
  for (const resource of resources) {
    const node = managedNode(resource);
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    total += 1;
    if (node.group === '' && node.kind === 'Namespace') {
      branch(node.name).node = node;
    } else if (node.namespace === '') {
      clusterScoped.push(node);
    } else if (workloadKinds.has(`${node.group}/${node.kind}`)) {
      node.children = descendants(liveById.get(node.id)?.uid ?? '', 0, new Set());
      branch(node.namespace).workloads.push(node);
    } else {
      branch(node.namespace).others.push(node);
    }
  }
  const namespaces = [...branches.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, found]): NamespaceBranch => ({ name, node: found.node, workloads: found.workloads.sort(byName), groups: grouped(found.others) }));
  const tree: ResourceTree = {
    total, truncated: 'nodes' in live ? live.truncated : false, live: 'nodes' in live ? 'ok' : 'unavailable',
    namespaces, clusterScoped: grouped(clusterScoped),
  };
  if ('error' in live) tree.liveMessage = live.error;
  return tree;
}

/** The namespaces whose workloads' descendants the tree needs. */
export function workloadNamespaces(resources: readonly ResourceStatus[]): string[] {
  const names = new Set<string>();
  for (const resource of resources) {
    if (resource.namespace && workloadKinds.has(`${resource.group}/${resource.kind}`)) names.add(resource.namespace);
  }
  return [...names].sort();
}
