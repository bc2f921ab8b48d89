import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldsOwnedBy, parseFieldsV1, removeFields } from './managed-fields.ts';
import type { KubeObject } from '../objects.ts';

describe('parseFieldsV1', () => {
  it('reads f:, k:, v:, i: and . members', () => {
    const set = parseFieldsV1({
      '.': {},
      'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:name': {} } },
      'f:finalizers': { 'v:"example.com/cleanup"': {} },
      'f:args': { 'i:1': {} },
    });
    assert.equal(set.self, true);
    assert.deepEqual(set.fields.get('ports')?.keyed[0]?.key, { containerPort: 80, protocol: 'TCP' });
    assert.equal(set.fields.get('ports')?.keyed[0]?.set.self, true);
    assert.equal(set.fields.get('finalizers')?.values[0]?.value, 'example.com/cleanup');
    assert.ok(set.fields.get('args')?.indices.has(1));
  });

  it('rejects a key that is not JSON, naming it', () => {
    assert.throws(() => parseFieldsV1({ 'k:{name:web}': {} }), /k:\{name:web\}/);
  });
});

describe('removeFields', () => {
  it('removes owned leaves and keeps what others own beside them', () => {
    const object = { metadata: { annotations: { mine: 'a', theirs: 'b' } }, spec: { replicas: 5, paused: false } };
    removeFields(object, parseFieldsV1({ 'f:metadata': { 'f:annotations': { '.': {}, 'f:mine': {} } }, 'f:spec': { 'f:replicas': {} } }));
    assert.deepEqual(object, { metadata: { annotations: { theirs: 'b' } }, spec: { paused: false } });
  });

  it('removes a list item owned with "." by its key, and only the owned fields of an item owned without it', () => {
    const object = {
      containers: [
        { name: 'web', image: 'nginx:1.28', imagePullPolicy: 'Always' },
        { name: 'istio-proxy', image: 'proxyv2' },
      ],
    };
    removeFields(object, parseFieldsV1({
      'f:containers': {
        'k:{"name":"web"}': { 'f:image': {} },
        'k:{"name":"istio-proxy"}': { '.': {}, 'f:name': {}, 'f:image': {} },
      },
    }));
    assert.deepEqual(object, { containers: [{ name: 'web', imagePullPolicy: 'Always' }] });
  });

  it('removes set items by value and list items by index', () => {
    const object = { finalizers: ['a', 'b'], args: ['x', 'y', 'z'] };
    removeFields(object, parseFieldsV1({ 'f:finalizers': { 'v:"b"': {} }, 'f:args': { 'i:0': {}, 'i:2': {} } }));
    assert.deepEqual(object, { finalizers: ['a'], args: ['y'] });
  });

  it('drops a map its removal left empty', () => {
    const object = { metadata: { labels: { team: 'a' }, name: 'web' } };
    removeFields(object, parseFieldsV1({ 'f:metadata': { 'f:labels': { 'f:team': {} } } }));
    assert.deepEqual(object, { metadata: { name: 'web' } });
  });
});

describe('fieldsOwnedBy', () => {
  it('unites the sets of the named managers only', () => {
    const live: KubeObject = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: {
        managedFields: [
          { manager: 'berth', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:template': {} } } },
          { manager: 'kube-controller-manager', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
        ],
      },
    };
    const set = fieldsOwnedBy(live, ['kube-controller-manager']);
    assert.deepEqual([...(set.fields.get('spec')?.fields.keys() ?? [])], ['replicas']);
  });
});
