import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refKey, refOf } from '../../objects.ts';
import { FakeCluster, obj } from './fake-cluster.ts';

const ns = obj('v1', 'Namespace', '', 'shop');
const cm = (data: Record<string, string>) => obj('v1', 'ConfigMap', 'shop', 'cfg', { data });
const key = refKey(refOf(cm({})));

describe('fake cluster (its own rule for "an apply changes nothing")', () => {
  it('keeps resourceVersion when an apply sets nothing new', async () => {
    const cluster = new FakeCluster([ns]);
    await cluster.apply(cm({ a: '1' }), { dryRun: false, forceConflicts: true });
    const before = cluster.objects.get(key)?.metadata.resourceVersion;
    await cluster.apply(cm({ a: '1' }), { dryRun: false, forceConflicts: true });
    assert.equal(cluster.objects.get(key)?.metadata.resourceVersion, before);
  });

  it('moves resourceVersion when an apply changes a field', async () => {
    const cluster = new FakeCluster([ns]);
    await cluster.apply(cm({ a: '1' }), { dryRun: false, forceConflicts: true });
    const before = cluster.objects.get(key)?.metadata.resourceVersion;
    await cluster.apply(cm({ a: '2' }), { dryRun: false, forceConflicts: true });
    assert.notEqual(cluster.objects.get(key)?.metadata.resourceVersion, before);
    assert.deepEqual(cluster.objects.get(key)?.data, { a: '2' });
  });

  it('stores the first apply of an equal object another manager created, so Berth owns its fields', async () => {
    const foreign = { ...cm({ a: '1' }), metadata: { ...cm({ a: '1' }).metadata, managedFields: [{ manager: 'kubectl', operation: 'Update' }] } };
    const cluster = new FakeCluster([ns, foreign]);
    const before = cluster.objects.get(key)?.metadata.resourceVersion;
    await cluster.apply(cm({ a: '1' }), { dryRun: false, forceConflicts: true });
    assert.notEqual(cluster.objects.get(key)?.metadata.resourceVersion, before);
  });

  it('stores nothing for a dry run', async () => {
    const cluster = new FakeCluster([ns]);
    await cluster.apply(cm({ a: '1' }), { dryRun: true, forceConflicts: true });
    assert.equal(cluster.objects.has(key), false);
  });
});
