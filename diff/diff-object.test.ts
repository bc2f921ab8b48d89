import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffObject } from './diff-object.ts';
import type { KubeObject } from '../objects.ts';

function deployment(spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', ...metadata }, spec };
}

const container = (name: string, image = 'nginx'): Record<string, unknown> => ({ name, image, imagePullPolicy: 'IfNotPresent' });

describe('diffObject', () => {
  it('names the object it compared', () => {
    const result = diffObject({ desired: deployment({}), live: deployment({}) });
    assert.deepEqual(result.ref, { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' });
  });

  it('refuses an input with no object at all', () => {
    assert.throws(() => diffObject({}), /at least one of desired, predicted or live/);
  });

  it('is Synced when the dry run keeps live\'s order of a keyed list that Git wrote in another order', () => {
    const live = deployment({ template: { spec: { containers: [container('a'), container('b')] } } });
    const desired = deployment({ template: { spec: { containers: [{ name: 'b', image: 'nginx' }, { name: 'a', image: 'nginx' }] } } });
    assert.equal(diffObject({ desired, live, predicted: structuredClone(live) }).status, 'Synced');
  });

  it('compares without a dry run on the fields desired sets, and says so', () => {
    const live = deployment({ replicas: 3, template: { spec: { containers: [container('web')], dnsPolicy: 'ClusterFirst' } } });
    const synced = diffObject({ desired: deployment({ template: { spec: { containers: [{ name: 'web', image: 'nginx' }] } } }), live });
    assert.equal(synced.mode, 'desired-subset');
    assert.equal(synced.status, 'Synced');
    const drifted = diffObject({ desired: deployment({ replicas: 1 }), live });
    assert.deepEqual(drifted.patch, [{ op: 'replace', path: '/spec/replicas', value: 1 }]);
  });

  it('takes null and empty maps in desired as not set when there is no dry run', () => {
    const live = deployment({ replicas: 1 }, { labels: { app: 'web' } });
    const desired = deployment({ replicas: 1, paused: null, template: {} }, { annotations: {}, creationTimestamp: null });
    assert.equal(diffObject({ desired, live }).status, 'Synced');
  });

  it('shows a Missing object as what the dry run would create, with its defaults', () => {
    const desired = deployment({ replicas: 1 });
    const predicted = deployment({ replicas: 1, revisionHistoryLimit: 10 }, { uid: 'x', managedFields: [] });
    const result = diffObject({ desired, predicted });
    assert.equal(result.status, 'Missing');
    assert.ok(result.diff.includes('+  revisionHistoryLimit: 10'));
    assert.ok(!result.diff.includes('uid'));
  });

  it('shows an Extraneous object as all removed', () => {
    const result = diffObject({ live: deployment({ replicas: 2 }) });
    assert.equal(result.status, 'Extraneous');
    assert.ok(result.diff.includes('-  replicas: 2'));
  });

  it('keeps the text diff to the context asked for', () => {
    const lines = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v']));
    const live: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: lines };
    const changed: KubeObject = { ...live, data: { ...lines, k10: 'changed' } };
    const result = diffObject({ desired: changed, live, predicted: changed }, { textDiffContext: 1 });
    const body = result.diff.split('\n').filter((line) => /^[ +-] /.test(line));
    assert.equal(body.length, 4);
  });
});
