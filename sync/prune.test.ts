import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRef, refOf, type KubeObject, type ObjectRef } from '../objects.ts';
import { renderedRevision } from './desired.ts';
import { runSync, type SyncResult } from './engine.ts';
import { ClusterError } from './errors.ts';
import { emptyInventory, inventoryDifference, inventoryOf, type Inventory } from './inventory.ts';
import { resolveSyncOptions, type SyncOptions } from './options.ts';
import { planPrune, prune } from './prune.ts';
import { FakeCluster, fakeClock, obj } from './testing/fake-cluster.ts';

const ns = obj('v1', 'Namespace', '', 'shop');
const cm = (name: string, annotations?: Record<string, string>): KubeObject => obj('v1', 'ConfigMap', 'shop', name, { data: { a: '1' }, ...(annotations ? { annotations } : {}) });
const deploy = obj('apps/v1', 'Deployment', 'shop', 'web', { spec: { image: 'web:1' } });
const svc = obj('v1', 'Service', 'shop', 'web', { spec: { port: 80 } });

/** A cluster where a first sync applied `objects`; returns it with the inventory that sync recorded. */
async function syncedCluster(objects: KubeObject[]): Promise<{ cluster: FakeCluster; inventory: Inventory }> {
  const cluster = new FakeCluster();
  const result = await runSync(cluster, { desired: renderedRevision('v1', objects), previousInventory: emptyInventory }, { clock: fakeClock() });
  assert.equal(result.phase, 'Succeeded');
  return { cluster, inventory: result.inventory };
}

async function resync(cluster: FakeCluster, objects: KubeObject[], inventory: Inventory, options: Partial<SyncOptions>): Promise<SyncResult> {
  return runSync(cluster, { desired: renderedRevision('v2', objects), previousInventory: inventory }, { clock: fakeClock(), ...options });
}

const deletes = (cluster: FakeCluster): string[] => cluster.calls.filter((c) => c.method === 'delete').map((c) => c.key);

describe('prune by inventory', () => {
  it('computes candidates as the previous inventory minus the desired set, across API versions', () => {
    const previous = inventoryOf([refOf(deploy), refOf(cm('a')), refOf(cm('b'))]);
    const desired = [{ ...deploy, apiVersion: 'apps/v1beta1' }, cm('a')];
    assert.deepEqual(inventoryDifference(previous, desired.map(refOf)).map(formatRef), ['ConfigMap/shop/b']);
    const plan = planPrune(previous, renderedRevision('v2', desired), { allowEmpty: false });
    assert.equal(plan.kind, 'ready');
    assert.deepEqual(plan.candidates.map(formatRef), ['ConfigMap/shop/b']);
  });

  it('cannot be given the result of a failed render', () => {
    const failedRender = { ok: false as const, revision: 'v2', error: 'kustomize build failed' };
    // @ts-expect-error prune takes a RenderedRevision, which only a successful render produces.
    assert.throws(() => planPrune(emptyInventory, failedRender, { allowEmpty: false }), TypeError);
    // @ts-expect-error a bare list of objects is no RenderedRevision either.
    assert.throws(() => planPrune(inventoryOf([refOf(cm('a'))]), { revision: 'v2' }, { allowEmpty: false }), TypeError);
  });

  it('reports leftovers without deleting them when pruning is off, and keeps them in the inventory', async () => {
    const { cluster, inventory } = await syncedCluster([ns, cm('keep'), cm('old')]);
    const result = await resync(cluster, [ns, cm('keep')], inventory, { prune: false });
    assert.equal(result.changeSet.at(-1)?.action, 'skipped');
    assert.match(result.changeSet.at(-1)?.message ?? '', /pruning is off/);
    assert.deepEqual(deletes(cluster), []);
    assert.ok(result.inventory.entries.some((ref) => ref.name === 'old'));
    assert.equal(result.phase, 'Succeeded');
  });

  it('deletes leftovers in reverse plan order and drops them from the inventory', async () => {
    const other = obj('v1', 'Namespace', '', 'gone');
    const { cluster, inventory } = await syncedCluster([ns, other, cm('keep'), cm('old'), svc, deploy, obj('v1', 'ConfigMap', 'gone', 'x', { data: {} })]);
    const result = await resync(cluster, [ns, cm('keep')], inventory, { prune: true });
    assert.deepEqual(deletes(cluster), ['apps/Deployment/shop/web', '/Service/shop/web', '/ConfigMap/shop/old', '/ConfigMap/gone/x', '/Namespace//gone']);
    assert.ok(result.changeSet.filter((e) => e.action === 'deleted').every((e) => e.message === 'pruned'));
    assert.deepEqual(result.inventory.entries.map(formatRef), ['ConfigMap/shop/keep', 'Namespace/shop']);
    assert.equal(cluster.find('Deployment', 'shop', 'web'), undefined);
  });

  it('deletes later waves first', async () => {
    const { cluster, inventory } = await syncedCluster([ns, cm('w5', { 'berth.dev/sync-wave': '5' }), cm('w-1', { 'berth.dev/sync-wave': '-1' }), cm('w0')]);
    await resync(cluster, [ns], inventory, { prune: true });
    assert.deepEqual(deletes(cluster), ['/ConfigMap/shop/w5', '/ConfigMap/shop/w0', '/ConfigMap/shop/w-1']);
  });

  it('keeps objects annotated Prune=false and forgets them', async () => {
    const { cluster, inventory } = await syncedCluster([ns, cm('precious', { 'berth.dev/sync-options': 'Prune=false' }), cm('old')]);
    const result = await resync(cluster, [ns], inventory, { prune: true });
    assert.deepEqual(deletes(cluster), ['/ConfigMap/shop/old']);
    assert.ok(cluster.find('ConfigMap', 'shop', 'precious'));
    assert.match(result.changeSet.find((e) => e.ref.name === 'precious')?.message ?? '', /kept: .*Prune=false/);
    assert.deepEqual(result.inventory.entries.map(formatRef), ['Namespace/shop']);
  });

  it('keeps objects another Application has taken over', async () => {
    const { cluster, inventory } = await syncedCluster([ns, cm('shared')]);
    const live = cluster.find('ConfigMap', 'shop', 'shared');
    assert.ok(live);
    live.metadata.annotations = { 'berth.dev/app': 'berth/other' };
    const result = await resync(cluster, [ns], inventory, { prune: true, appName: 'berth/mine' });
    assert.deepEqual(deletes(cluster), []);
    assert.match(result.changeSet.at(-1)?.message ?? '', /now managed by berth\/other/);
  });

  it('refuses to prune everything for an empty desired set without allowEmpty', async () => {
    const { cluster, inventory } = await syncedCluster([ns, cm('a')]);
    const result = await resync(cluster, [], inventory, { prune: true });
    assert.deepEqual(deletes(cluster), []);
    assert.equal(result.phase, 'Failed');
    assert.equal(result.reason, 'PruneRefused');
    assert.equal(result.retryable, false);
    assert.match(result.message, /renders no objects; refusing to prune all 2 objects/);
    assert.deepEqual(result.inventory, inventory);
  });

  it('prunes everything for an empty desired set with allowEmpty', async () => {
    const { cluster, inventory } = await syncedCluster([ns, cm('a')]);
    const result = await resync(cluster, [], inventory, { prune: true, allowEmpty: true });
    assert.deepEqual(deletes(cluster), ['/ConfigMap/shop/a', '/Namespace//shop']);
    assert.equal(result.phase, 'Succeeded');
    assert.deepEqual(result.inventory.entries, []);
  });

  it('prunes nothing when applying failed', async () => {
    const { cluster, inventory } = await syncedCluster([ns, cm('a'), cm('old')]);
    cluster.failWith = (call) => (call.key === '/ConfigMap/shop/a' && call.method === 'apply' ? new ClusterError('Forbidden', 'forbidden', { code: 403 }) : undefined);
    const result = await resync(cluster, [ns, { ...cm('a'), data: { a: '2' } }], inventory, { prune: true });
    assert.deepEqual(deletes(cluster), []);
    assert.match(result.changeSet.find((e) => e.ref.name === 'old')?.message ?? '', /not pruned: ConfigMap\/shop\/a failed/);
    assert.ok(result.inventory.entries.some((ref) => ref.name === 'old'));
  });

  it('reports a failed delete and keeps the object in the inventory', async () => {
    const { cluster, inventory } = await syncedCluster([ns, cm('old')]);
    cluster.failWith = (call) => (call.method === 'delete' ? new ClusterError('Transient', 'connection reset') : undefined);
    const result = await resync(cluster, [ns], inventory, { prune: true });
    assert.equal(result.reason, 'PruneFailed');
    assert.equal(result.retryable, true);
    assert.match(result.message, /^ConfigMap\/shop\/old: prune failed: connection reset/);
    assert.ok(result.inventory.entries.some((ref) => ref.name === 'old'));
  });

  it('reports an object that is already gone and forgets it', async () => {
    const { cluster, inventory } = await syncedCluster([ns, cm('old')]);
    cluster.objects.delete('/ConfigMap/shop/old');
    const result = await resync(cluster, [ns], inventory, { prune: true });
    assert.equal(result.changeSet.at(-1)?.message, 'already gone');
    assert.deepEqual(result.inventory.entries.map(formatRef), ['Namespace/shop']);
  });

  it('deletes nothing in a dry run', async () => {
    const { cluster, inventory } = await syncedCluster([ns, cm('old')]);
    const plan = planPrune(inventory, renderedRevision('v2', [ns]), { allowEmpty: false });
    const result = await prune(plan, cluster, resolveSyncOptions({ prune: true, dryRun: true }));
    assert.deepEqual(result.entries.map((e) => `${e.action} ${e.message}`), ['deleted deleted (dry run)']);
    assert.deepEqual(deletes(cluster), []);
  });
});

describe('prune guards against an inventory Berth did not write (issue 13)', () => {
  const app = 'shop/web';
  const foreign = obj('v1', 'ConfigMap', 'kube-system', 'cluster-config', { data: { a: '1' } });
  const tenantNamespace = obj('v1', 'Namespace', '', 'other-team');

  /** A cluster where Application `app` applied `objects`, plus objects it never applied. */
  async function syncedByApp(objects: KubeObject[], strangers: KubeObject[]): Promise<{ cluster: FakeCluster; inventory: Inventory }> {
    const cluster = new FakeCluster(strangers);
    const result = await runSync(cluster, { desired: renderedRevision('v1', objects), previousInventory: emptyInventory }, { clock: fakeClock(), appName: app });
    assert.equal(result.phase, 'Succeeded');
    return { cluster, inventory: result.inventory };
  }

  it('deletes a leftover that carries this Application\'s mark', async () => {
    const { cluster, inventory } = await syncedByApp([ns, cm('keep'), cm('old')], []);
    const result = await resync(cluster, [ns, cm('keep')], inventory, { prune: true, appName: app });
    assert.deepEqual(deletes(cluster), ['/ConfigMap/shop/old']);
    assert.equal(result.phase, 'Succeeded');
  });

  it('never deletes an object of the inventory that lacks the mark, reports it skipped, and forgets it', async () => {
    const { cluster, inventory } = await syncedByApp([ns, cm('keep')], [foreign, tenantNamespace]);
    const tampered = inventoryOf([...inventory.entries, refOf(foreign), refOf(tenantNamespace)]);
    const result = await resync(cluster, [ns, cm('keep')], tampered, { prune: true, appName: app });
    assert.deepEqual(deletes(cluster), []);
    assert.ok(cluster.find('ConfigMap', 'kube-system', 'cluster-config'));
    assert.ok(cluster.find('Namespace', '', 'other-team'));
    for (const ref of [foreign, tenantNamespace].map(refOf)) {
      const reported = result.changeSet.find((e) => formatRef(e.ref) === formatRef(ref));
      assert.equal(reported?.action, 'skipped');
      assert.match(reported.message, /does not carry berth\.dev\/app: shop\/web/);
    }
    assert.deepEqual(result.inventory.entries.map(formatRef), ['ConfigMap/shop/keep', 'Namespace/shop']);
    assert.equal(result.phase, 'Succeeded');
  });

  it('never deletes an object marked for another Application', async () => {
    const marked = { ...foreign, metadata: { ...foreign.metadata, annotations: { 'berth.dev/app': 'kube-system/other' } } };
    const { cluster, inventory } = await syncedByApp([ns], [marked]);
    const result = await resync(cluster, [ns], inventoryOf([...inventory.entries, refOf(marked)]), { prune: true, appName: app });
    assert.deepEqual(deletes(cluster), []);
    assert.match(result.changeSet.at(-1)?.message ?? '', /now managed by kube-system\/other/);
  });

  it('asks mayDelete before reading a candidate, and keeps what it refuses out of the delete and the inventory', async () => {
    const { cluster, inventory } = await syncedByApp([ns, cm('keep'), cm('old'), cm('guarded')], []);
    const asked: string[] = [];
    const mayDelete = (ref: ObjectRef): string | undefined => {
      asked.push(formatRef(ref));
      return ref.name === 'guarded' ? 'ConfigMap/shop/guarded: the destination policy does not allow it' : undefined;
    };
    const before = cluster.calls.length;
    const result = await resync(cluster, [ns, cm('keep')], inventory, { prune: true, appName: app, mayDelete });
    assert.deepEqual(asked.sort(), ['ConfigMap/shop/guarded', 'ConfigMap/shop/old']);
    assert.deepEqual(deletes(cluster), ['/ConfigMap/shop/old']);
    assert.equal(cluster.calls.slice(before).some((c) => c.method === 'get' && c.key === '/ConfigMap/shop/guarded'), false, 'a refused candidate is not even read');
    const refused = result.changeSet.find((e) => e.ref.name === 'guarded');
    assert.equal(refused?.action, 'skipped');
    assert.equal(refused.message, 'not pruned: ConfigMap/shop/guarded: the destination policy does not allow it');
    assert.deepEqual(result.inventory.entries.map(formatRef), ['ConfigMap/shop/keep', 'Namespace/shop']);
    assert.equal(result.phase, 'Succeeded');
  });
});
