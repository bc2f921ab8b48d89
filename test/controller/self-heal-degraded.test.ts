/**
 * Self-heal after a failed first rollout (issue 21): a first commit whose pods
 * never become Ready leaves the release Degraded, with no earlier healthy
 * revision to roll back to. What Git says is still the desired state, so with
 * `selfHeal: true` a manual change is still reverted; the failed revision is
 * healed in place, not synced again as a new release.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import type { KubeObject } from '../../objects.ts';
import { createRestClient } from '../../src/kube/rest.ts';
import { testKubeConfig, testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { neverReadyAnnotation } from '../harness/kwok.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { startControllerProcess } from './controller-process.ts';
import { readRelease } from './replica-fixtures.ts';

describe('self-heal after a failed first rollout', () => {
  it('still reverts a manual change while the release is Degraded', { timeout: 180_000 }, async (t) => {
    const namespace = await testNamespace(t, 'heal-degraded');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    const root = await tempDir('berth-heal-degraded-git-');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });

    const commit = await commitFiles(repository, {
      'apps/web/deployment.yaml': dump({
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace },
        spec: {
          replicas: 1, progressDeadlineSeconds: 5, selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' }, annotations: { [neverReadyAnnotation]: 'true' } },
            spec: { containers: [{ name: 'web', image: 'registry.example/web:1' }] },
          },
        },
      }),
      'apps/web/config.yaml': dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-settings', namespace }, data: { greeting: 'hello' } }),
    }, 'first');
    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
      spec: {
        source: { repoURL: server.url('deploy'), targetRevision: 'main', path: 'apps/web' },
        destination: { namespace },
        // Only the managed-object watch can notice the change: the next poll is 10 minutes away.
        syncPolicy: { automated: { prune: true, selfHeal: true }, pollInterval: '10m', rollback: { enabled: true, healthTimeout: '30s' } },
      },
    }));
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    const degraded = await controller.explain(eventually('the first rollout to fail', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Degraded' && record.state.failedRevision === commit ? record : undefined;
    }, { timeoutMs: 90_000 }));
    assert.equal(degraded.state.reason, 'RolloutFailed');
    assert.equal(degraded.state.lastHealthyRevision, undefined);

    const configMapPath = `/api/v1/namespaces/${namespace}/configmaps/web-settings`;
    await rest.request('PATCH', configMapPath, {
      query: { fieldManager: 'kubectl-edit' }, contentType: 'application/merge-patch+json', body: { data: { greeting: 'edited by hand' } },
    });
    await controller.explain(eventually('the manual change to be reverted', async () => {
      const configMap = (await rest.request('GET', configMapPath)).body as KubeObject;
      return (configMap.data as Record<string, string> | undefined)?.greeting === 'hello' ? true : undefined;
    }, { timeoutMs: 30_000 }));

    const after = await readRelease(rest, namespace, 'web');
    assert.equal(after?.state.status, 'Degraded', 'a heal is not a new release: the failed rollout stays recorded');
    assert.equal(after.state.failedRevision, commit);
    assert.ok(after.history.some((entry) => entry.message.startsWith('self-heal:')), after.history.map((entry) => entry.message).join('\n'));
  });
});
