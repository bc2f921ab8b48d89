import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../objects.ts';
import { assessHealth, healthStatusesBySeverity } from './index.ts';
import { loadFixture } from './testdata/fixture-table.ts';

function object(apiVersion: string, kind: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name: 'x', namespace: 'shop', generation: 2 }, ...extra };
}

/** The kinds that have a rule of their own, as the API serves them. */
const ruledKinds: readonly [string, string][] = [
  ['apps/v1', 'Deployment'], ['apps/v1', 'StatefulSet'], ['apps/v1', 'DaemonSet'], ['apps/v1', 'ReplicaSet'],
  ['v1', 'Pod'], ['batch/v1', 'Job'], ['batch/v1', 'CronJob'], ['v1', 'PersistentVolumeClaim'], ['v1', 'PersistentVolume'],
  ['v1', 'Service'], ['networking.k8s.io/v1', 'Ingress'], ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  ['autoscaling/v1', 'HorizontalPodAutoscaler'], ['apiregistration.k8s.io/v1', 'APIService'],
  ['apiextensions.k8s.io/v1', 'CustomResourceDefinition'], ['v1', 'ConfigMap'], ['example.com/v1', 'Widget'],
];

describe('assessHealth', () => {
  it('has no opinion on a kind without a rule and without kstatus status', () => {
    assert.equal(assessHealth(object('example.com/v1', 'Widget')), undefined);
    assert.equal(assessHealth(object('example.com/v1', 'Widget', { status: { phase: 'Running', replicas: 3 } })), undefined);
    assert.equal(assessHealth(object('apps/v1', 'Frobnicator', { status: {} })), undefined);
  });

  it('matches on API group and kind, not kind alone', () => {
    assert.equal(assessHealth(object('v1', 'Service'))?.status, 'Healthy');
    assert.equal(assessHealth(object('example.com/v1', 'Service')), undefined);
    assert.equal(assessHealth(object('v1', 'ConfigMap'))?.status, 'Healthy');
    assert.equal(assessHealth(object('example.com/v1', 'ConfigMap')), undefined);
    assert.equal(assessHealth(object('apps/v1', 'Deployment'))?.status, 'Progressing');
    assert.equal(assessHealth(object('example.com/v1', 'Deployment')), undefined);
  });

  it('reports any object being deleted as Progressing, naming the finalizers that hold it', () => {
    const healthy = loadFixture('deployment-healthy.yaml');
    assert.equal(assessHealth(healthy)?.status, 'Healthy');
    healthy.metadata.deletionTimestamp = '2026-11-21T11:00:00Z';
    healthy.metadata.finalizers = ['example.com/cleanup'];
    assert.deepEqual(assessHealth(healthy), { status: 'Progressing', message: 'being deleted, waiting for finalizers: example.com/cleanup' });
    const widget = object('example.com/v1', 'Widget');
    widget.metadata.deletionTimestamp = '2026-11-21T11:00:00Z';
    assert.equal(assessHealth(widget)?.status, 'Progressing');
  });

  it('never throws on a malformed status, and answers within the closed set', () => {
    const malformed: unknown[] = [
      'garbage', [], 42, null,
      { replicas: '3', conditions: 'Ready', loadBalancer: { ingress: 'x' }, active: 'yes' },
      { conditions: [null, 7, { type: 'Ready' }, { status: 'True' }], containerStatuses: [null, { state: 'x' }] },
      { phase: 'Running', containerStatuses: [{ name: 'web', state: { waiting: { reason: 7 } } }], lastScheduleTime: 'not a time' },
    ];
    for (const [apiVersion, kind] of ruledKinds) {
      for (const status of malformed) {
        const health = assessHealth(object(apiVersion, kind, { spec: 'garbage', status }));
        if (health) assert.ok(healthStatusesBySeverity.includes(health.status), `${kind}: ${health.status}`);
      }
    }
  });

  it('judges a rendered object (no generation, no status) without claiming it Healthy when it has to run', () => {
    const rendered: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 2 } };
    assert.equal(assessHealth(rendered)?.status, 'Progressing');
  });
});
