/**
 * The sync engine, driven through the release driver, on the real control
 * plane: a CRD and its custom resource in one sync, prune (and Prune=false),
 * waves observed in the order Berth wrote to the API server, a PreSync Job that
 * completes before the Deployment changes, and a render error that prunes
 * nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatRef, refKey, type KubeObject } from '../../objects.ts';
import { hookOutcome } from '../../sync/hooks.ts';
import { testNamespace, uniqueName } from '../harness/env.ts';
import { application, auto, configMap, connect, deployment, drive, imageOf, ref, type Connection } from './release-driver.ts';

let connection: Connection;

const wave = (n: number): Record<string, string> => ({ 'berth.dev/sync-wave': String(n) });

describe('sync on the control plane', { concurrency: true }, () => {
  before(async () => { connection = await connect(); });
  after(() => { connection.rest.close(); });

  it('applies a CRD and a custom resource of it in one sync', async (t) => {
    const namespace = await testNamespace(t, 'sync-crd');
    const group = `${uniqueName('t')}.berth.dev`;
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } },
        }],
      },
    };
    const crdRef = ref('apiextensions.k8s.io/v1', 'CustomResourceDefinition', '', `widgets.${group}`);
    t.after(async () => { await connection.client.delete(crdRef, { propagation: 'Background' }); });
    // The custom resource comes first and names no namespace: the plan and the destination sort that out.
    const widget: KubeObject = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'gear' }, spec: { size: 3 } };
    const app = application(connection, namespace);
    app.revisions.set('c1', [widget, crd]);

    const steps = await drive(app, auto('c1'));
    assert.equal(app.record.state.status, 'Healthy', app.record.state.message);
    const sync = steps[0]?.result.syncs[0];
    assert.deepEqual(sync?.changeSet.map((e) => `${e.action} ${e.ref.kind}`), ['created CustomResourceDefinition', 'created Widget']);
    const live = await connection.client.get(ref(`${group}/v1`, 'Widget', namespace, 'gear'));
    assert.deepEqual(live?.spec, { size: 3 });
  });

  it('prunes what left the desired set, keeps Prune=false, and prunes nothing after a render error', async (t) => {
    const namespace = await testNamespace(t, 'sync-prune');
    const app = application(connection, namespace);
    const cm = (name: string, annotations?: Record<string, string>): KubeObject => configMap(namespace, name, { name }, annotations);
    app.revisions.set('c1', [cm('old'), cm('keep', { 'berth.dev/sync-options': 'Prune=false' }), cm('stay')]);
    app.revisions.set('c2', [cm('stay')]);
    app.revisions.set('c3', new Error('kustomization.yaml: accumulating resources: no such file'));
    const get = (name: string): Promise<KubeObject | undefined> => connection.client.get(ref('v1', 'ConfigMap', namespace, name));

    await drive(app, auto('c1'));
    assert.ok(await get('old'));
    const steps = await drive(app, auto('c2'));
    assert.equal(app.record.state.status, 'Healthy', app.record.state.message);
    const pruned = steps[0]?.result.syncs[0]?.changeSet.filter((e) => e.action === 'deleted' || e.action === 'skipped');
    assert.deepEqual(pruned?.map((e) => `${e.action} ${e.ref.name}`).sort(), ['deleted old', 'skipped keep']);
    assert.equal(await get('old'), undefined, 'the pruned ConfigMap is gone from the API server');
    assert.ok(await get('keep'), 'Prune=false keeps it');
    assert.deepEqual(app.record.inventory.entries.map(formatRef), [`ConfigMap/${namespace}/stay`]);

    const stay = await get('stay');
    const inventory = app.record.inventory;
    const deletes = connection.calls.filter((c) => c.method === 'delete' && c.key.includes(`/${namespace}/`)).length;
    await drive(app, auto('c3'));
    assert.equal(app.record.state.status, 'Degraded');
    assert.equal(app.record.state.reason, 'RenderFailed');
    assert.match(app.record.state.message, /accumulating resources/);
    assert.deepEqual(app.record.inventory, inventory);
    assert.equal((await get('stay'))?.metadata.resourceVersion, stay?.metadata.resourceVersion);
    assert.equal(connection.calls.filter((c) => c.method === 'delete' && c.key.includes(`/${namespace}/`)).length, deletes);
  });

  it('applies waves in order, whatever the kind order and the names say', async (t) => {
    const namespace = await testNamespace(t, 'sync-waves');
    const app = application(connection, namespace);
    // Without waves, kind order applies ConfigMaps before Deployments, and names sort a before b.
    app.revisions.set('c1', [
      configMap(namespace, 'a-last', { wave: '1' }, wave(1)),
      configMap(namespace, 'b-second', { wave: '0' }, wave(0)),
      deployment(namespace, 'first', 'web:1', { annotations: wave(-1) }),
    ]);
    const start = connection.calls.length;
    await drive(app, auto('c1'));
    assert.equal(app.record.state.status, 'Healthy', app.record.state.message);

    const written = connection.calls.slice(start).filter((c) => c.method === 'apply' && c.dryRun === false && c.key.includes(`/${namespace}/`));
    assert.deepEqual(written.map((c) => c.key.split('/').at(-1)), ['first', 'b-second', 'a-last']);
    // The API server saw it that way too: etcd revisions only grow, and neither ConfigMap changed after its creation.
    const created = async (name: string): Promise<bigint> =>
      BigInt((await connection.client.get(ref('v1', 'ConfigMap', namespace, name)))?.metadata.resourceVersion ?? '0');
    assert.ok(await created('b-second') < await created('a-last'), 'wave 0 was created before wave 1');
  });

  it('runs a PreSync Job to completion before the Deployment changes', async (t) => {
    const namespace = await testNamespace(t, 'sync-presync');
    const app = application(connection, namespace);
    const migrate: KubeObject = {
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { name: 'migrate', namespace, annotations: { 'berth.dev/hook': 'PreSync' } },
      spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'migrate:2' }] } } },
    };
    app.revisions.set('c1', [deployment(namespace, 'web', 'web:1')]);
    app.revisions.set('c2', [deployment(namespace, 'web', 'web:2'), migrate]);
    await drive(app, auto('c1'));
    const start = connection.calls.length;
    await drive(app, auto('c2'));
    assert.equal(app.record.state.status, 'Healthy', app.record.state.message);

    const calls = connection.calls.slice(start);
    const jobKey = refKey(ref('batch/v1', 'Job', namespace, 'migrate'));
    const webKey = refKey(ref('apps/v1', 'Deployment', namespace, 'web'));
    const deploymentWrite = calls.findIndex((c) => c.key === webKey && c.method === 'apply' && c.dryRun === false);
    const jobCompleted = calls.findIndex((c) => c.key === jobKey && c.method === 'get' && c.result !== undefined && hookOutcome(c.result).kind === 'succeeded');
    assert.ok(deploymentWrite >= 0, 'the Deployment was changed');
    assert.ok(jobCompleted >= 0, 'the Job was seen complete');
    assert.ok(jobCompleted < deploymentWrite, 'the Job completed before the Deployment was written');
    const job = await connection.client.get(ref('batch/v1', 'Job', namespace, 'migrate'));
    assert.equal(job && hookOutcome(job).kind, 'succeeded');
    assert.equal(imageOf(await connection.client.get(ref('apps/v1', 'Deployment', namespace, 'web'))), 'web:2');
    assert.ok(!app.record.inventory.entries.some((e) => e.kind === 'Job'), 'a hook is not part of the inventory');
  });
});
