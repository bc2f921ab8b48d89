import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../objects.ts';
import { createClusterClient } from '../../src/kube/cluster-client.ts';
import { createDiscovery } from '../../src/kube/discovery.ts';
import { createRestClient } from '../../src/kube/rest.ts';
import { ClusterError } from '../../sync/cluster.ts';
import { testKubeConfig, testNamespace, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';

async function clusterClient() {
  const rest = await createRestClient(testKubeConfig());
  return { rest, client: createClusterClient(rest, createDiscovery(rest)) };
}

function configMap(namespace: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace }, data };
}

const ref = (namespace: string) => ({ group: '', version: 'v1', kind: 'ConfigMap', namespace, name: 'settings' });

describe('the Kubernetes cluster client', () => {
  it('persists nothing on a dry run, and applies with field manager berth', async (t) => {
    const namespace = await testNamespace(t, 'client');
    const { rest, client } = await clusterClient();
    t.after(() => { rest.close(); });

    const predicted = await client.apply(configMap(namespace, { a: '1' }), { dryRun: true, forceConflicts: true });
    assert.equal((predicted.data as Record<string, string>).a, '1');
    assert.equal(await client.get(ref(namespace)), undefined, 'a dry run must not create the object');

    const stored = await client.apply(configMap(namespace, { a: '1' }), { dryRun: false, forceConflicts: true });
    assert.deepEqual(stored.metadata.managedFields?.map((f) => f.manager), ['berth']);
    const live = await client.get(ref(namespace));
    assert.equal(live?.metadata.uid, stored.metadata.uid);
    // Raw JSON, not client-node models: timestamps stay strings.
    assert.equal(typeof live?.metadata.creationTimestamp, 'string');
  });

  it('leaves resourceVersion alone when the same object is applied again', async (t) => {
    const namespace = await testNamespace(t, 'client');
    const { rest, client } = await clusterClient();
    t.after(() => { rest.close(); });
    const first = await client.apply(configMap(namespace, { a: '1' }), { dryRun: false, forceConflicts: true });
    const second = await client.apply(configMap(namespace, { a: '1' }), { dryRun: false, forceConflicts: true });
    assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
  });

  it('classifies an immutable-field change, a conflict and an invalid object', async (t) => {
    const namespace = await testNamespace(t, 'client');
    const { rest, client } = await clusterClient();
    t.after(() => { rest.close(); });
    const job = (image: string): KubeObject => ({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image }] } } },
    });
    await client.apply(job('migrate:1'), { dryRun: false, forceConflicts: true });
    await assert.rejects(client.apply(job('migrate:2'), { dryRun: true, forceConflicts: true }), (error: unknown) => {
      assert.ok(error instanceof ClusterError);
      assert.equal(error.reason, 'Immutable');
      assert.match(error.message, new RegExp(`^Job/${namespace}/migrate: apply \\(dry run\\) failed: `));
      return true;
    });

    // Someone else takes over a field Berth owns: without force, apply is a conflict.
    await client.apply(configMap(namespace, { a: '1' }), { dryRun: false, forceConflicts: true });
    await rest.request('PATCH', `/api/v1/namespaces/${namespace}/configmaps/settings`, {
      query: { fieldManager: 'someone-else', force: 'true' },
      body: configMap(namespace, { a: '2' }),
      contentType: 'application/apply-patch+yaml',
    });
    await assert.rejects(client.apply(configMap(namespace, { a: '1' }), { dryRun: true, forceConflicts: false }),
      (error: unknown) => error instanceof ClusterError && error.reason === 'Conflict');

    const invalid: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_A_Name', namespace } };
    await assert.rejects(client.apply(invalid, { dryRun: true, forceConflicts: true }),
      (error: unknown) => error instanceof ClusterError && error.reason === 'Invalid');
  });

  it('answers undefined for a missing object or kind, and deletes idempotently', async (t) => {
    const namespace = await testNamespace(t, 'client');
    const { rest, client } = await clusterClient();
    t.after(() => { rest.close(); });
    assert.equal(await client.get(ref(namespace)), undefined);
    assert.equal(await client.get({ group: 'nothing.example', version: 'v1', kind: 'Widget', namespace, name: 'w' }), undefined);
    assert.equal(await client.resourceScope('nothing.example', 'v1', 'Widget'), undefined);
    assert.equal(await client.resourceScope('', 'v1', 'Namespace'), 'Cluster');
    assert.equal(await client.resourceScope('apps', 'v1', 'Deployment'), 'Namespaced');

    await client.apply(configMap(namespace, { a: '1' }), { dryRun: false, forceConflicts: true });
    await client.delete(ref(namespace), { propagation: 'Background' });
    await client.delete(ref(namespace), { propagation: 'Background' });
    assert.equal(await client.get(ref(namespace)), undefined);
  });

  it('finds a kind whose CRD was created after the first discovery', async (t) => {
    const namespace = await testNamespace(t, 'client');
    const { rest, client } = await clusterClient();
    const group = `${uniqueName('g')}.berth.test`;
    t.after(async () => {
      await rest.request('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`).catch(() => undefined);
      rest.close();
    });
    assert.equal(await client.resourceScope(group, 'v1', 'Widget'), undefined);
    await client.apply({
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `widgets.${group}` },
      spec: {
        group, scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    }, { dryRun: false, forceConflicts: true });
    await eventually('the Widget kind to be served', async () => (await client.resourceScope(group, 'v1', 'Widget')) ?? undefined);
    const widget = await client.apply({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w', namespace }, size: 3 },
      { dryRun: false, forceConflicts: true });
    assert.equal(widget.size, 3);
  });
});
