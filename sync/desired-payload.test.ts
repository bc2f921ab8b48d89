import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRef, refOf, type KubeObject } from '../objects.ts';
import { prepareDesired } from './desired-payload.ts';
import { FakeCluster, obj } from './testing/fake-cluster.ts';

describe('the desired objects a drift check compares', () => {
  it('leaves out hooks of every source and what is not applied, and keeps plain objects and invalid hooks', async () => {
    const objects: KubeObject[] = [
      obj('apps/v1', 'Deployment', 'shop', 'web', { annotations: { 'argocd.argoproj.io/sync-wave': '1' } }),
      obj('batch/v1', 'Job', 'shop', 'migrate', { annotations: { 'berth.dev/hook': 'PreSync' } }),
      obj('batch/v1', 'Job', 'shop', 'seed', { annotations: { 'helm.sh/hook': 'pre-install' } }),
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'smoke-', namespace: 'shop', annotations: { 'argocd.argoproj.io/hook': 'PostSync' } } },
      obj('v1', 'Pod', 'shop', 'web-test', { annotations: { 'helm.sh/hook': 'test' } }),
      obj('v1', 'ConfigMap', 'shop', 'scratch', { annotations: { 'argocd.argoproj.io/hook': 'Skip' } }),
      // The sync refuses this one and says why; drift keeps comparing it rather than hiding it.
      obj('v1', 'ConfigMap', 'shop', 'typo', { annotations: { 'argocd.argoproj.io/hook': 'PreSink' } }),
    ];
    const desired = await prepareDesired(objects, { appName: 'shop/web', destinationNamespace: 'shop' }, new FakeCluster());
    assert.deepEqual(desired.map((object) => formatRef(refOf(object))), ['Deployment/shop/web', 'ConfigMap/shop/typo']);
    assert.equal(desired[0]?.metadata.annotations?.['berth.dev/app'], 'shop/web');
  });
});
