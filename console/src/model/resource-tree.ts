/**
 * The Application's tree (CONTRACT.md §3) as nodes for the virtualised view:
 * a row per namespace, a "Workloads" row and one row per kind under it, the
 * objects, and their live ReplicaSets, Jobs and Pods. Every row above the
 * objects carries how many objects it holds and how many are not well, so a
 * collapsed group still shows trouble. Which groups start open is decided
 * here (small ones), and a text filter keeps matching objects with their
 * ancestors. Pure; unit-tested beside.
 */
import type { KindGroup, Tree, TreeNode as ApiNode } from '../api/types.ts';
import type { TreeNode } from './tree-rows.ts';

export type ResourceItem =
  | { type: 'section'; label: string; total: number; unwell: number }
  | { type: 'object'; node: ApiNode; total: number; unwell: number };

export type ResourceNode = TreeNode<ResourceItem>;

/** Groups with at most this many rows start open. */
export const openGroupLimit = 25;

export function isUnwell(node: ApiNode): boolean {
  const sync = node.sync !== null && node.sync !== 'Synced';
  const health = node.health !== null && node.health.status !== 'Healthy' && node.health.status !== 'Unknown';
  return sync || health;
}

function objectNode(node: ApiNode): ResourceNode {
  const children = node.children.map(objectNode);
  let total = 1;
  let unwell = isUnwell(node) ? 1 : 0;
  for (const child of children) {
    total += child.item.total;
    unwell += child.item.unwell;
  }
  return { id: node.id, item: { type: 'object', node, total, unwell }, children };
}

function section(id: string, label: string, children: ResourceNode[]): ResourceNode {
  let total = 0;
  let unwell = 0;
  for (const child of children) {
    total += child.item.total;
    unwell += child.item.unwell;
  }
  return { id, item: { type: 'section', label, total, unwell }, children };
}

// The built-in groups (apps, batch) say nothing; a dotted group tells two kinds of one name apart.
const kindLabel = (group: KindGroup): string => (group.group.includes('.') ? `${group.kind} (${group.group})` : group.kind);

function kindSection(prefix: string, group: KindGroup): ResourceNode {
  return section(`${prefix}/kind:${group.group}/${group.kind}`, kindLabel(group), group.nodes.map(objectNode));
}

export function resourceNodes(tree: Tree): ResourceNode[] {
  const roots: ResourceNode[] = tree.namespaces.map((namespace) => {
    const prefix = `ns:${namespace.name}`;
    const children: ResourceNode[] = [];
    if (namespace.node) children.push(objectNode({ ...namespace.node, children: [] }));
    if (namespace.workloads.length > 0) {
      // One section per workload kind keeps a namespace of 400 Deployments one row until opened.
      const byKind = new Map<string, ApiNode[]>();
      for (const workload of namespace.workloads) byKind.set(workload.kind, [...(byKind.get(workload.kind) ?? []), workload]);
      children.push(section(`${prefix}/workloads`, 'Workloads',
        [...byKind].map(([kind, nodes]) => kindSection(`${prefix}/workloads`, { group: nodes[0]?.group ?? '', kind, nodes }))));
    }
    for (const group of namespace.groups) children.push(kindSection(prefix, group));
    return section(prefix, `Namespace ${namespace.name}`, children);
  });
  if (tree.clusterScoped.length > 0) roots.push(section('cluster', 'Cluster-scoped', tree.clusterScoped.map((group) => kindSection('cluster', group))));
  return roots;
}

/** The ids to open at first: sections with few children, and everything on the way to trouble in small trees. */
export function initiallyOpen(roots: readonly ResourceNode[]): Set<string> {
  const open = new Set<string>();
  const visit = (node: ResourceNode): void => {
    if (node.item.type === 'section' && node.children.length <= openGroupLimit) {
      open.add(node.id);
      for (const child of node.children) visit(child);
    }
  };
  for (const root of roots) {
    // A namespace is always open: its sections are what one scans first.
    open.add(root.id);
    for (const child of root.children) visit(child);
  }
  return open;
}

/** The nodes whose object matches `text` (kind/name, case-insensitive), with their ancestors; and every id to open to show them. */
export function filterNodes(roots: readonly ResourceNode[], text: string): { roots: ResourceNode[]; open: Set<string> } {
  const needle = text.trim().toLowerCase();
  if (!needle) return { roots: [...roots], open: new Set() };
  const open = new Set<string>();
  const keep = (node: ResourceNode): ResourceNode | undefined => {
    const item = node.item;
    const matches = item.type === 'object' && `${item.node.kind}/${item.node.name}`.toLowerCase().includes(needle);
    const children = node.children.map(keep).filter((child): child is ResourceNode => child !== undefined);
    if (!matches && children.length === 0) return undefined;
    if (children.length > 0) open.add(node.id);
    return { ...node, children };
  };
  return { roots: roots.map(keep).filter((node): node is ResourceNode => node !== undefined), open };
}
