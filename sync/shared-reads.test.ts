import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refKey, refOf } from '../objects.ts';
import { checkDrift } from './drift-check.ts';
import { ClusterError } from './errors.ts';
import { sharedReads } from './shared-reads.ts';
import { FakeCluster, obj } from './testing/fake-cluster.ts';

const namespace = obj('v1', 'Namespace', '', 'shop');
const config = obj('v1', 'ConfigMap', 'shop', 'settings', { data: { mode: 'fast' }, annotations: { 'berth.dev/app': 'berth/shop' } });
const ref = refOf(config);
const key = refKey(ref);

function cluster(): FakeCluster {
  const fake = new FakeCluster([namespace]);
  fake.objects.set(key, structuredClone(config));
  fake.writeAsController(key, () => undefined);
  return fake;
}

const gets = (fake: FakeCluster): number => fake.calls.filter((call) => call.method === 'get' && call.key === key).length;

describe('shared reads of one reconcile', () => {
  it('reads an object from the cluster once however often it is asked for', async () => {
    const fake = cluster();
    const reads = sharedReads(fake);
    const [first, second] = await Promise.all([reads.get(ref), reads.get(ref)]);
    const third = await reads.get(ref);
    assert.equal(gets(fake), 1);
    assert.equal(first?.metadata.resourceVersion, fake.objects.get(key)?.metadata.resourceVersion);
    assert.equal(third, first);
    assert.equal(second, first);
  });

  it('reads again after a write through it', async () => {
    const fake = cluster();
    const reads = sharedReads(fake);
    await reads.get(ref);
    await reads.apply({ ...config, data: { mode: 'slow' } }, { dryRun: false, forceConflicts: true });
    const after = await reads.get(ref);
    assert.equal(gets(fake), 2);
    assert.deepEqual(after?.data, { mode: 'slow' });
    await reads.delete(ref, { propagation: 'Background' });
    assert.equal(await reads.get(ref), undefined);
    assert.equal(gets(fake), 3);
  });

  it('reads again when a dry run answers with another version than the one remembered', async () => {
    const fake = cluster();
    const reads = sharedReads(fake);
    const before = await reads.get(ref);
    fake.writeAsController(key, (live) => { live.data = { mode: 'changed by someone' }; });
    await reads.apply(config, { dryRun: true, forceConflicts: true });
    const after = await reads.get(ref);
    assert.notEqual(after?.metadata.resourceVersion, before?.metadata.resourceVersion);
    assert.equal(gets(fake), 2);
  });

  it('keeps the object after a dry run of the same version', async () => {
    const fake = cluster();
    const reads = sharedReads(fake);
    await reads.get(ref);
    await reads.apply(config, { dryRun: true, forceConflicts: true });
    await reads.get(ref);
    assert.equal(gets(fake), 1);
  });

  it('forgets everything when told the cluster was written through another client', async () => {
    const fake = cluster();
    const reads = sharedReads(fake);
    await reads.get(ref);
    await fake.apply({ ...config, data: { mode: 'slow' } }, { dryRun: false, forceConflicts: true });
    reads.forgetAll();
    assert.deepEqual((await reads.get(ref))?.data, { mode: 'slow' });
    assert.equal(gets(fake), 2);
  });

  it('does not remember a failed read', async () => {
    const fake = cluster();
    let failures = 1;
    fake.failWith = (call) => {
      if (call.method !== 'get' || failures === 0) return undefined;
      failures -= 1;
      return new ClusterError('Transient', 'connection reset');
    };
    const reads = sharedReads(fake);
    await assert.rejects(reads.get(ref), /connection reset/);
    assert.equal((await reads.get(ref))?.metadata.name, 'settings');
    assert.equal(gets(fake), 2);
  });

  it('lets a drift check after a rollout check compare without a second get, and without false drift when a controller wrote in between', async () => {
    const fake = cluster();
    const reads = sharedReads(fake);
    await reads.get(ref); // the rollout check's read
    const quiet = await checkDrift(reads, [config]);
    assert.equal(quiet.status, 'Synced');
    assert.equal(gets(fake), 1);

    // A write that is not drift (a label nobody asked for in Git is not compared) between the two looks.
    fake.writeAsController(key, (live) => { live.metadata.labels = { touched: 'yes' }; });
    const again = await checkDrift(reads, [config]);
    assert.equal(again.status, 'Synced');
    assert.equal(again.timings.retries, 1, 'the stale copy was read again once');
    assert.equal(gets(fake), 2);
  });
});
