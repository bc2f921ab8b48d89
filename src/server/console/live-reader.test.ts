import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAppRegistry, type RegisteredApp } from '../../application/app-registry.ts';
import type { Discovery } from '../../kube/discovery.ts';
import type { RestClient } from '../../kube/rest.ts';
import { createLiveReader, workloadCollections } from './live-reader.ts';

function app(destination: Record<string, string>): RegisteredApp {
  return createAppRegistry().upsert({
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace: 'shop' },
    spec: { source: { repoURL: 'https://github.com/e/d.git', targetRevision: 'main', path: 'web' }, destination: { namespace: 'shop', ...destination } },
  }, 'file', 'test');
}

function recordingRest(): { rest: RestClient; paths: string[] } {
  const paths: string[] = [];
  const rest: RestClient = {
    server: 'https://127.0.0.1:1',
    request(_method, path) {
      paths.push(path);
      const items = path.endsWith('/pods')
        ? [{ metadata: { name: 'web-1', namespace: 'shop', uid: 'p1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs1' }] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }]
        : [];
      return Promise.resolve({ status: 200, body: { items, metadata: path.endsWith('/jobs') ? { continue: 'more' } : {} } });
    },
    watch: () => () => undefined,
    close: () => undefined,
  };
  return { rest, paths };
}

const discovery: Discovery = { resolve: () => Promise.reject(new Error('not used')), invalidate: () => undefined };

describe('live reads for the console', () => {
  it('lists each kind of workload once per namespace and keeps only identity, owners and health', async () => {
    const { rest, paths } = recordingRest();
    const result = await createLiveReader(rest, discovery).workloads(['shop'], app({}));
    assert.equal(paths.length, workloadCollections.length, 'one list per kind, never one request per object');
    assert.ok(paths.every((path) => path.includes('/namespaces/shop/')));
    assert.deepEqual(result.nodes, [{ group: '', version: 'v1', kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'p1', owners: ['rs1'], health: result.nodes[0]?.health }]);
    assert.ok(result.nodes[0]?.health?.status, 'the Pod was assessed as a Pod though list items carry no kind');
    assert.equal(result.truncated, true, 'a list with a continue token was cut');
  });

  it('never reads this cluster for an Application that deploys to another', async () => {
    const { rest, paths } = recordingRest();
    const reader = createLiveReader(rest, discovery);
    await assert.rejects(reader.workloads(['shop'], app({ name: 'prod-eu' })), /deploys to cluster prod-eu/);
    await assert.rejects(reader.object({ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'x' }, app({ server: 'https://prod.example.com:6443' })), /controller's own cluster only/);
    assert.deepEqual(paths, []);
    await reader.workloads(['shop'], app({ name: 'in-cluster' }));
    assert.equal(paths.length, workloadCollections.length);
  });
});
