import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceStatus } from '../../application/index.ts';
import type { LiveNode } from './live-reader.ts';
import { buildResourceTree, workloadNamespaces, type TreeNode } from './resource-tree.ts';

const managed = (kind: string, name: string, namespace: string | undefined, group = '', extra: Partial<ResourceStatus> = {}): ResourceStatus => ({
  group, version: 'v1', kind, name, ...(namespace === undefined ? {} : { namespace }), status: 'Synced', health: { status: 'Healthy' }, ...extra,
});
const live = (kind: string, name: string, uid: string, owners: string[], extra: Partial<LiveNode> = {}): LiveNode => ({
  group: kind === 'Pod' ? '' : kind === 'Job' ? 'batch' : 'apps', version: 'v1', kind, namespace: 'web', name, uid, owners, health: { status: 'Healthy' }, ...extra,
});

const resources: ResourceStatus[] = [
  managed('Namespace', 'web', undefined),
  managed('Deployment', 'api', 'web', 'apps', { status: 'OutOfSync', health: { status: 'Progressing', message: '1 of 2 updated replicas are available' } }),
  managed('ConfigMap', 'settings', 'web'),
  managed('ConfigMap', 'flags', 'web'),
  managed('Service', 'api', 'web'),
  managed('CronJob', 'report', 'web', 'batch'),
  managed('ClusterRole', 'reader', undefined, 'rbac.authorization.k8s.io'),
];
const liveNodes: LiveNode[] = [
  live('Deployment', 'api', 'd1', []),
  live('ReplicaSet', 'api-new', 'rs2', ['d1'], { replicas: 2 }),
  live('ReplicaSet', 'api-old', 'rs1', ['d1'], { replicas: 0 }),
  live('Pod', 'api-new-b', 'p2', ['rs2'], { health: { status: 'Progressing', message: 'container api is not ready' } }),
  live('Pod', 'api-new-a', 'p1', ['rs2']),
  live('CronJob', 'report', 'c1', [], { group: 'batch' }),
  live('Job', 'report-1', 'j1', ['c1']),
  live('Pod', 'report-1-x', 'p3', ['j1']),
  live('Pod', 'stranger', 'p9', ['someone-else']),
];

const names = (nodes: readonly TreeNode[]): string[] => nodes.map((node) => `${node.kind}/${node.name}`);

describe('the resource tree of one Application', () => {
  const tree = buildResourceTree(resources, { nodes: liveNodes, truncated: false });
  const [web] = tree.namespaces;

  it('puts workloads under their Namespace with ReplicaSets and Pods from ownerReferences', () => {
    assert.equal(web?.name, 'web');
    assert.equal(web.node?.kind, 'Namespace');
    assert.deepEqual(names(web.workloads), ['Deployment/api', 'CronJob/report'], 'by name');
    const api = web.workloads.find((node) => node.name === 'api');
    assert.deepEqual(names(api?.children ?? []), ['ReplicaSet/api-new'], 'an old ReplicaSet at 0 with no Pods is left out');
    assert.deepEqual(names(api?.children[0]?.children ?? []), ['Pod/api-new-a', 'Pod/api-new-b']);
    assert.equal(api?.children[0]?.children[1]?.health?.message, 'container api is not ready');
    const report = web.workloads.find((node) => node.name === 'report');
    assert.deepEqual(names(report?.children ?? []), ['Job/report-1']);
    assert.deepEqual(names(report?.children[0]?.children ?? []), ['Pod/report-1-x']);
  });

  it('groups everything else by kind, and keeps cluster-scoped objects apart', () => {
    assert.deepEqual(web?.groups.map((group) => `${group.kind}:${group.nodes.map((node) => node.name).join(',')}`), ['ConfigMap:flags,settings', 'Service:api']);
    assert.deepEqual(tree.clusterScoped.map((group) => group.kind), ['ClusterRole']);
  });

  it('marks managed nodes with their sync status, live ones with none', () => {
    const api = web?.workloads.find((node) => node.name === 'api');
    assert.equal(api?.managed, true);
    assert.equal(api.sync, 'OutOfSync');
    assert.equal(api.id, 'apps/Deployment/web/api');
    assert.equal(api.children[0]?.managed, false);
    assert.equal(api.children.at(0)?.sync, null);
  });

  it('counts every node, and shows nothing it does not own', () => {
    assert.equal(tree.total, 7 + 1 + 2 + 1 + 1);
    assert.ok(!JSON.stringify(tree).includes('stranger'));
  });

  it('still shows the managed objects when the live ones cannot be read', () => {
    const partial = buildResourceTree(resources, { error: 'forbidden' });
    assert.equal(partial.live, 'unavailable');
    assert.equal(partial.liveMessage, 'forbidden');
    assert.equal(partial.total, 7);
  });

  it('survives ownerReferences that form a cycle', () => {
    const looped = buildResourceTree([managed('Deployment', 'api', 'web', 'apps')], {
      nodes: [live('Deployment', 'api', 'd1', ['p1']), live('ReplicaSet', 'rs', 'rs1', ['d1'], { replicas: 1 }), live('Pod', 'p', 'p1', ['rs1'])], truncated: false,
    });
    assert.ok(looped.total < 10);
  });

  it('lists the namespaces whose workloads need live reads', () => {
    assert.deepEqual(workloadNamespaces(resources), ['web']);
  });
});
