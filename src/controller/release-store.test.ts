import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { legacyReleaseConfigMapName, releaseRecordName, releaseRecordPath } from './release-store.ts';

describe('release record names', () => {
  it('names the record of a cluster Application by its uid', () => {
    assert.equal(releaseRecordName({ namespace: 'shop', name: 'web', uid: '0b6d4f1e-2c1a-4e0b-9f55-3d3c2f0e9a11' }), 'berth-release-0b6d4f1e-2c1a-4e0b-9f55-3d3c2f0e9a11');
  });

  it('names the record of an Application from a file by a hash of namespace/name, stable and distinct', () => {
    const name = releaseRecordName({ namespace: 'shop', name: 'web' });
    assert.match(name, /^berth-release-file-[0-9a-f]{40}$/);
    assert.equal(releaseRecordName({ namespace: 'shop', name: 'web' }), name);
    assert.notEqual(releaseRecordName({ namespace: 'shop-web', name: '' }), name);
    assert.notEqual(releaseRecordName({ namespace: 'shop', name: 'web2' }), name);
  });

  it('refuses a uid that cannot name a ConfigMap', () => {
    assert.throws(() => releaseRecordName({ namespace: 'shop', name: 'web', uid: '../../secrets/x' }), /Application shop\/web: uid .* cannot name a release record/);
  });

  it('puts the record in the controller namespace, never the Application\'s', () => {
    assert.equal(releaseRecordPath('berth', { namespace: 'shop', name: 'web', uid: 'u1' }), '/api/v1/namespaces/berth/configmaps/berth-release-u1');
    assert.equal(legacyReleaseConfigMapName({ namespace: 'shop', name: 'web' }), 'berth-release-web');
  });
});
