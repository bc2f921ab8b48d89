import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tree, TreeNode } from '../api/types.ts';
import { filterNodes, initiallyOpen, resourceNodes } from './resource-tree.ts';
import { visibleRows } from './tree-rows.ts';

const node = (kind: string, name: string, extra: Partial<TreeNode> = {}): TreeNode => ({
  id: `${kind}/${name}`, group: kind === 'Deployment' || kind === 'ReplicaSet' ? 'apps' : '', version: 'v1', kind, namespace: 'shop', name,
  managed: kind !== 'Pod' && kind !== 'ReplicaSet', sync: kind === 'Pod' || kind === 'ReplicaSet' ? null : 'Synced',
  health: { status: 'Healthy' }, children: [], ...extra,
});

const pods = Array.from({ length: 30 }, (_, index) => node('Pod', `web-${String(index)}`, index === 3 ? { health: { status: 'Degraded', message: 'CrashLoopBackOff' } } : {}));
const tree: Tree = {
  total: 34, truncated: false, live: 'ok',
  namespaces: [{
    name: 'shop', node: node('Namespace', 'shop'),
    workloads: [node('Deployment', 'web', { children: [node('ReplicaSet', 'web-1', { children: pods })] })],
    groups: [{ group: '', kind: 'ConfigMap', nodes: [node('ConfigMap', 'settings', { sync: 'OutOfSync' })] }],
  }],
  clusterScoped: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', nodes: [node('ClusterRole', 'reader')] }],
};

describe('the resource tree', () => {
  const roots = resourceNodes(tree);

  it('groups a namespace into its Namespace, workloads by kind, and other kinds; cluster-scoped apart', () => {
    const rows = visibleRows(roots, initiallyOpen(roots));
    assert.deepEqual(rows.map((row) => row.node.item.type === 'section' ? row.node.item.label : row.node.id), [
      'Namespace shop', 'Namespace/shop', 'Workloads', 'Deployment', 'Deployment/web', 'ConfigMap', 'ConfigMap/settings',
      'Cluster-scoped', 'ClusterRole (rbac.authorization.k8s.io)', 'ClusterRole/reader',
    ]);
  });

  it('counts objects and trouble through collapsed rows: a Degraded Pod shows on its Deployment', () => {
    const deployment = roots[0]?.children[1]?.children[0]?.children[0];
    assert.equal(deployment?.id, 'Deployment/web');
    assert.equal(deployment.item.total, 32);
    assert.equal(deployment.item.unwell, 1);
    assert.equal(roots[0]?.item.unwell, 2, 'the Pod and the OutOfSync ConfigMap');
  });

  it('keeps matching objects with their ancestors and opens the way to them', () => {
    const { roots: kept, open } = filterNodes(roots, 'web-3');
    const rows = visibleRows(kept, open).map((row) => row.node.id);
    assert.ok(rows.includes('Pod/web-3'));
    assert.ok(!rows.includes('Pod/web-4'));
    assert.ok(!rows.includes('ConfigMap/settings'));
    assert.ok(rows.includes('ReplicaSet/web-1'));
  });
});
