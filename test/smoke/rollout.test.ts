import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppsV1Api, type V1Deployment } from '@kubernetes/client-node';
import { testKubeConfig, testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { neverReadyAnnotation } from '../harness/kwok.ts';

function deployment(namespace: string, name: string, podAnnotations: Record<string, string> = {}): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 5,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: podAnnotations },
        spec: { containers: [{ name: 'web', image: 'registry.example/web:1' }] },
      },
    },
  };
}

function condition(d: V1Deployment, type: string) {
  return d.status?.conditions?.find((c) => c.type === type);
}

describe('rollouts on kwok nodes', () => {
  it('makes a Deployment with 2 replicas Available through controller-manager, scheduler and kwok', async (t) => {
    const namespace = await testNamespace(t, 'rollout');
    const apps = testKubeConfig().makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({ namespace, body: deployment(namespace, 'web') });

    const available = await eventually('Deployment web to be Available', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
      return d.status?.availableReplicas === 2 && condition(d, 'Available')?.status === 'True' ? d : undefined;
    });
    assert.equal(available.status?.readyReplicas, 2);
    assert.equal(available.status.updatedReplicas, 2);
  });

  it('fails a rollout whose pods never become Ready with ProgressDeadlineExceeded', async (t) => {
    const namespace = await testNamespace(t, 'deadline');
    const apps = testKubeConfig().makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace,
      body: deployment(namespace, 'stuck', { [neverReadyAnnotation]: 'true' }),
    });

    const failed = await eventually('Deployment stuck to exceed its progress deadline', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'stuck', namespace });
      const progressing = condition(d, 'Progressing');
      return progressing?.status === 'False' ? progressing : undefined;
    }, { timeoutMs: 90_000 });
    assert.equal(failed.reason, 'ProgressDeadlineExceeded');
    const d = await apps.readNamespacedDeployment({ name: 'stuck', namespace });
    assert.equal(d.status?.readyReplicas ?? 0, 0, 'no pod of the marked template may become Ready');
  });
});
