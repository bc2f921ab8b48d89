import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRef, type KubeObject } from '../objects.ts';
import { renderedRevision } from './desired.ts';
import { runSync, type SyncResult } from './engine.ts';
import { ClusterError } from './errors.ts';
import { emptyInventory } from './inventory.ts';
import type { SyncOptions } from './options.ts';
import { FakeCluster, fakeClock, obj, type Call } from './testing/fake-cluster.ts';

const ns = obj('v1', 'Namespace', '', 'shop');
const cm = (name: string, data: Record<string, string> = { a: '1' }): KubeObject => obj('v1', 'ConfigMap', 'shop', name, { data });
const deploy = (): KubeObject => obj('apps/v1', 'Deployment', 'shop', 'web', { spec: { selector: { app: 'web' }, image: 'web:1' } });
const deployKey = 'apps/Deployment/shop/web';

function sync(cluster: FakeCluster, objects: KubeObject[], options: Partial<SyncOptions> = {}): Promise<SyncResult> {
  return runSync(cluster, { desired: renderedRevision('abc123', objects), previousInventory: emptyInventory }, { clock: fakeClock(), ...options });
}

const actions = (result: SyncResult): string[] => result.changeSet.map((e) => `${e.action} ${formatRef(e.ref)}`);
const callsOf = (cluster: FakeCluster, key: string): string[] =>
  cluster.calls.filter((c) => c.key === key).map((c) => `${c.method}${c.dryRun === true ? ' (dry run)' : ''}`);

/** A deployment controller that bumps the revision annotation of `key` when the engine's dry run (or also its get) arrives. */
function controllerWrites(cluster: FakeCluster, key: string, on: { gets: boolean; times: number }): void {
  let written = 0;
  cluster.beforeAnswer = (call: Call) => {
    const isDryRun = call.method === 'apply' && call.dryRun === true;
    if (call.key !== key || !(isDryRun || (on.gets && call.method === 'get')) || written >= on.times) return;
    written += 1;
    cluster.writeAsController(key, (o) => {
      o.metadata.annotations = { ...o.metadata.annotations, 'deployment.kubernetes.io/revision': String(written) };
    });
  };
}

describe('syncing one object', () => {
  it('reads again when a controller wrote between the read and the dry run, and writes nothing when nothing changed', async () => {
    const cluster = new FakeCluster([ns]);
    await sync(cluster, [deploy()]);
    cluster.calls.length = 0;
    controllerWrites(cluster, deployKey, { gets: false, times: 1 });

    const result = await sync(cluster, [deploy()]);

    assert.deepEqual(actions(result), ['unchanged Deployment/shop/web']);
    assert.deepEqual(cluster.writes(), []);
    assert.equal(cluster.find('Deployment', 'shop', 'web')?.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.deepEqual(callsOf(cluster, deployKey), ['get', 'apply (dry run)', 'get']);
  });

  it('gives up re-reading after consistencyRetries and decides on the last reading', async () => {
    const cluster = new FakeCluster([ns]);
    await sync(cluster, [deploy()]);
    cluster.calls.length = 0;
    controllerWrites(cluster, deployKey, { gets: true, times: 100 });

    const result = await sync(cluster, [deploy()], { consistencyRetries: 2 });

    assert.deepEqual(actions(result), ['configured Deployment/shop/web']);
    assert.deepEqual(callsOf(cluster, deployKey), ['get', 'apply (dry run)', 'get', 'apply (dry run)', 'get', 'apply (dry run)', 'apply']);
  });

  it('creates a missing object without a dry run', async () => {
    const cluster = new FakeCluster([ns]);
    const result = await sync(cluster, [cm('cfg')]);
    assert.deepEqual(actions(result), ['created ConfigMap/shop/cfg']);
    assert.deepEqual(callsOf(cluster, '/ConfigMap/shop/cfg'), ['get', 'apply']);
  });

  it('still asks the server about a missing object in a dry-run operation, and writes nothing', async () => {
    const cluster = new FakeCluster([ns]);
    const result = await sync(cluster, [cm('cfg')], { dryRun: true });
    assert.deepEqual(actions(result), ['created ConfigMap/shop/cfg']);
    assert.deepEqual(callsOf(cluster, '/ConfigMap/shop/cfg'), ['get', 'apply (dry run)']);
    assert.equal(cluster.find('ConfigMap', 'shop', 'cfg'), undefined);
  });
});

describe('reading live objects in bulk', () => {
  const desired = (): KubeObject[] => [...Array.from({ length: 9 }, (_, i) => cm(`cm-${i}`, { i: String(i), v: '2' })), deploy()];
  const existing = (): KubeObject[] => [ns, ...Array.from({ length: 8 }, (_, i) => cm(`cm-${i}`, { i: String(i), v: i === 3 ? '1' : '2' }))];

  it('reads many objects of one kind in one namespace with one list, with the same change set as gets', async () => {
    const listed = new FakeCluster(existing());
    const withGets = new FakeCluster(existing());

    const result = await sync(listed, desired());
    const reference = await sync(withGets, desired(), { listThreshold: 100 });

    assert.deepEqual(actions(result), actions(reference));
    assert.deepEqual(actions(result).filter((line) => !line.startsWith('unchanged')).sort(),
      ['configured ConfigMap/shop/cm-3', 'created ConfigMap/shop/cm-8', 'created Deployment/shop/web']);
    assert.deepEqual(listed.calls.filter((c) => c.method === 'list').map((c) => c.key), ['v1/ConfigMap/shop']);
    assert.deepEqual(listed.calls.filter((c) => c.method === 'get').map((c) => c.key), [deployKey]);
  });

  it('reads each object with a get when the list fails', async () => {
    const cluster = new FakeCluster(existing());
    cluster.failWith = (call) => (call.method === 'list' ? new ClusterError('Forbidden', 'cannot list configmaps', { code: 403 }) : undefined);

    const result = await sync(cluster, desired());

    assert.equal(result.phase, 'Succeeded');
    assert.equal(cluster.calls.filter((c) => c.method === 'get' && c.key.startsWith('/ConfigMap/')).length, 9);
  });
});
