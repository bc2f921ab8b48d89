import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffApplication, syncStatusOf } from './diff-application.ts';
import type { KubeObject } from '../objects.ts';

function configMap(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data };
}

describe('the sync status of an Application', () => {
  it('is Synced only when every object is', () => {
    assert.equal(syncStatusOf([]), 'Synced');
    assert.equal(syncStatusOf([{ status: 'Synced' }, { status: 'Synced' }]), 'Synced');
    for (const status of ['OutOfSync', 'Missing', 'Extraneous'] as const) {
      assert.equal(syncStatusOf([{ status: 'Synced' }, { status }]), 'OutOfSync', status);
    }
  });
});

describe('diffApplication', () => {
  const a = configMap('a', { x: '1' });
  const b = configMap('b', { x: '1' });

  it('reports each object and counts them by status', () => {
    const result = diffApplication({
      objects: [
        { desired: a, live: a, predicted: a },
        { desired: b, live: configMap('b', { x: '2' }), predicted: b },
        { desired: configMap('c', {}) },
      ],
      pruneCandidates: [configMap('old', { x: '1' })],
    });
    assert.equal(result.status, 'OutOfSync');
    assert.deepEqual(result.counts, { Synced: 1, OutOfSync: 1, Missing: 1, Extraneous: 1 });
    assert.deepEqual(result.objects.map((object) => `${object.ref.name}:${object.status}`), ['a:Synced', 'b:OutOfSync', 'c:Missing', 'old:Extraneous']);
  });

  it('never calls a still-desired object Extraneous', () => {
    const result = diffApplication({ objects: [{ desired: a, live: a, predicted: a }], pruneCandidates: [a] });
    assert.equal(result.status, 'Synced');
    assert.equal(result.objects.length, 1);
  });

  it('reports an extraneous object marked IgnoreExtraneous but leaves the Application Synced', () => {
    const generated = (annotations: Record<string, string>): KubeObject => ({ ...configMap('generated', {}), metadata: { name: 'generated', namespace: 'shop', annotations } });
    for (const key of ['argocd.argoproj.io/compare-options', 'berth.dev/compare-options']) {
      const ignored = diffApplication({ objects: [{ desired: a, live: a, predicted: a }], pruneCandidates: [generated({ [key]: 'IgnoreExtraneous' })] });
      assert.equal(ignored.status, 'Synced', key);
      assert.equal(ignored.counts.Extraneous, 1, key);
    }
    const counted = diffApplication({ objects: [{ desired: a, live: a, predicted: a }], pruneCandidates: [generated({ 'argocd.argoproj.io/compare-options': 'ServerSideDiff=true' })] });
    assert.equal(counted.status, 'OutOfSync');
  });
});
