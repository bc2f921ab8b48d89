import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastAppliedAnnotation, normalize } from './normalize.ts';
import type { KubeObject } from '../objects.ts';

const live: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'settings',
    namespace: 'shop',
    uid: 'a1',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: '2026-01-01T00:00:00Z',
    selfLink: '/api/v1/namespaces/shop/configmaps/settings',
    managedFields: [{ manager: 'berth', operation: 'Apply' }],
    annotations: { [lastAppliedAnnotation]: '{}' },
    labels: { app: 'shop' },
  },
  data: { mode: 'fast', unset: null },
  status: { phase: 'whatever' },
};

describe('normalize', () => {
  it('drops server-owned metadata, status, the last-applied annotation and the annotations map it empties', () => {
    assert.deepEqual(normalize(live), {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop', labels: { app: 'shop' } }, data: { mode: 'fast' },
    });
  });

  it('keeps empty maps that mean something, like emptyDir: {}', () => {
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { volumes: [{ name: 'cache', emptyDir: {} }] } };
    assert.deepEqual(normalize(pod).spec, { volumes: [{ name: 'cache', emptyDir: {} }] });
  });

  it('drops creationTimestamp: null as a renderer writes it', () => {
    const rendered = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', creationTimestamp: null } } as unknown as KubeObject;
    assert.deepEqual(normalize(rendered).metadata, { name: 'c' });
  });

  it('leaves its input as it was', () => {
    const copy = structuredClone(live);
    normalize(live);
    assert.deepEqual(live, copy);
  });
});
