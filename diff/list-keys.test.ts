import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listKeyResolver } from './list-keys.ts';

const crd = { group: 'monitoring.example.com', version: 'v1', kind: 'Probe', namespace: 'shop', name: 'p' };

describe('list keys', () => {
  const keys = listKeyResolver(crd, [{ group: 'monitoring.example.com', kind: 'Probe', path: '/spec/targets/*/endpoints', keys: ['host', 'port'] }]);

  it('knows the Kubernetes lists by field name', () => {
    assert.deepEqual(keys(['spec', 'volumeMounts'], [{ mountPath: '/a' }], []), ['mountPath']);
    assert.deepEqual(keys(['status', 'conditions'], [{ type: 'Ready' }], [{ type: 'Available' }]), ['type']);
  });

  it('keys container ports and Service ports differently', () => {
    assert.deepEqual(keys(['containers', 0, 'ports'], [{ containerPort: 80 }], []), ['containerPort', 'protocol']);
    assert.deepEqual(keys(['spec', 'ports'], [{ port: 80, protocol: 'UDP' }], [{ port: 80 }]), ['port', 'protocol']);
  });

  it('keys any list whose items all have a unique name', () => {
    assert.deepEqual(keys(['spec', 'rules'], [{ name: 'a' }, { name: 'b' }], [{ name: 'b' }]), ['name']);
    assert.equal(keys(['spec', 'rules'], [{ name: 'a' }, { name: 'a' }], []), undefined);
    assert.equal(keys(['spec', 'args'], ['a', 'b'], ['b']), undefined);
  });

  it('takes keys given by the caller, with * matching an index', () => {
    assert.deepEqual(keys(['spec', 'targets', 3, 'endpoints'], [{ host: 'a', port: 1 }], [{ host: 'a', port: 2 }]), ['host', 'port']);
  });

  it('falls back to positions when an item lacks the key', () => {
    assert.equal(keys(['spec', 'volumeMounts'], [{ mountPath: '/a' }, { name: 'x' }], []), undefined);
  });
});
