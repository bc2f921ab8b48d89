import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSyncOptions, objectSyncOptions, resolveSyncOptions } from './options.ts';
import { obj } from './testing/fake-cluster.ts';

describe('sync options', () => {
  it('resolves defaults in one place, an explicit undefined meaning the default', () => {
    const options = resolveSyncOptions({ prune: true, concurrency: undefined });
    assert.equal(options.prune, true);
    assert.equal(options.concurrency, defaultSyncOptions().concurrency);
    assert.equal(options.forceConflicts, true);
    assert.equal(options.dryRun, false);
  });

  it('refuses a concurrency below one', () => {
    assert.throws(() => resolveSyncOptions({ concurrency: 0 }), /concurrency must be a positive integer/);
  });

  it('refuses negative consistency retries and a list threshold below one', () => {
    assert.equal(resolveSyncOptions({ consistencyRetries: 0 }).consistencyRetries, 0);
    assert.throws(() => resolveSyncOptions({ consistencyRetries: -1 }), /consistencyRetries must be a non-negative integer/);
    assert.throws(() => resolveSyncOptions({ listThreshold: 0 }), /listThreshold must be a positive integer/);
  });

  it('reads Force and Prune from berth.dev/sync-options and ignores unknown keys', () => {
    const object = obj('v1', 'ConfigMap', 'shop', 'c', { annotations: { 'berth.dev/sync-options': 'Force=true, Prune=false,Replace=true' } });
    assert.deepEqual(objectSyncOptions(object), { force: true, prune: false });
    assert.deepEqual(objectSyncOptions(obj('v1', 'ConfigMap', 'shop', 'd')), { force: false, prune: true });
  });
});
