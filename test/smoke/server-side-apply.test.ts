import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreV1Api, KubernetesObjectApi, PatchStrategy, type V1ConfigMap } from '@kubernetes/client-node';
import { testKubeConfig, testNamespace } from '../harness/env.ts';

describe('the local control plane', () => {
  it('accepts a server-side apply with field manager berth and reads it back', async (t) => {
    const namespace = await testNamespace(t, 'ssa');
    const kc = testKubeConfig();
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const desired: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace },
      data: { greeting: 'hello', mode: '0644' },
    };
    await objects.patch(desired, undefined, undefined, 'berth', true, PatchStrategy.ServerSideApply);

    const live = await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'settings', namespace });
    assert.deepEqual(live.data, { greeting: 'hello', mode: '0644' });
    const managers = (live.metadata?.managedFields ?? []).map((f) => [f.manager, f.operation]);
    assert.deepEqual(managers, [['berth', 'Apply']]);
  });
});
