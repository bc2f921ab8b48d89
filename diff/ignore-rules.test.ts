import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyIgnoreRules, ruleMatches } from './ignore-rules.ts';
import { removeAtPointer } from './json-pointer.ts';
import type { KubeObject, ObjectRef } from '../objects.ts';

const web: ObjectRef = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' };

describe('ignore rule matching', () => {
  it('matches by group and kind, with * for any', () => {
    assert.ok(ruleMatches({ group: 'apps', kind: 'Deployment' }, web));
    assert.ok(ruleMatches({ group: '*', kind: '*' }, web));
    assert.ok(!ruleMatches({ group: 'apps', kind: 'StatefulSet' }, web));
  });

  it('takes a left-out group as the core group', () => {
    assert.ok(!ruleMatches({ kind: 'Deployment' }, web));
    assert.ok(ruleMatches({ kind: 'ConfigMap' }, { ...web, group: '', kind: 'ConfigMap' }));
  });

  it('narrows by namespace and name when given', () => {
    assert.ok(ruleMatches({ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' }, web));
    assert.ok(!ruleMatches({ group: 'apps', kind: 'Deployment', name: 'api' }, web));
    assert.ok(!ruleMatches({ group: 'apps', kind: 'Deployment', namespace: 'other' }, web));
  });
});

describe('applyIgnoreRules', () => {
  it('removes pointers from both sides, and a pointer to nothing is harmless', () => {
    const live = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { replicas: 5 } } as KubeObject;
    const predicted = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { replicas: 2 } } as KubeObject;
    applyIgnoreRules(web, [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas', '/spec/nothing/here', '/spec/replicas/0'] }], live, [live, predicted]);
    assert.deepEqual(live.spec, {});
    assert.deepEqual(predicted.spec, {});
  });

  it('removes the fields the named managers own in live', () => {
    const live = {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { managedFields: [{ manager: 'kube-controller-manager', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }] },
      spec: { replicas: 5, paused: false },
    } as KubeObject;
    const predicted = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { replicas: 2, paused: false } } as KubeObject;
    applyIgnoreRules(web, [{ group: 'apps', kind: 'Deployment', managedFieldsManagers: ['kube-controller-manager'] }], live, [live, predicted]);
    assert.deepEqual(predicted.spec, { paused: false });
  });
});

describe('removeAtPointer', () => {
  it('decodes ~1 and ~0 (RFC 6901)', () => {
    const object = { metadata: { annotations: { 'example.com/a~b': 'x', keep: 'y' } } };
    assert.ok(removeAtPointer(object, '/metadata/annotations/example.com~1a~0b'));
    assert.deepEqual(object, { metadata: { annotations: { keep: 'y' } } });
  });

  it('rejects a pointer that does not start with "/"', () => {
    assert.throws(() => removeAtPointer({}, 'spec/replicas'), /RFC 6901/);
  });
});
