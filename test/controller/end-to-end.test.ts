/**
 * The whole loop with the controller as a separate process: a commit to a Git
 * repository served over smart HTTP is deployed, a new commit rolls forward by
 * itself, a manual change is healed, and a commit whose pods never become Ready
 * is rolled back to the last healthy revision.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import type { KubeObject } from '../../objects.ts';
import { createRestClient } from '../../src/kube/rest.ts';
import { testKubeConfig, testNamespace } from '../harness/env.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { neverReadyAnnotation } from '../harness/kwok.ts';
import { installApplicationCrd } from '../application/install-crd.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { startControllerProcess } from './controller-process.ts';
import { readRelease } from './replica-fixtures.ts';

function deployment(namespace: string, image: string, neverReady = false): string {
  return dump({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace },
    spec: {
      replicas: 2, progressDeadlineSeconds: 5,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' }, ...(neverReady ? { annotations: { [neverReadyAnnotation]: 'true' } } : {}) },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  });
}

function configMap(namespace: string, value: string): string {
  return dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-settings', namespace }, data: { greeting: value } });
}

describe('the controller, end to end', () => {
  it('deploys, rolls forward, heals drift, and rolls a failed rollout back', { timeout: 240_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'e2e');

    const first = await commitFiles(repository, {
      'apps/web/deployment.yaml': deployment(namespace, 'registry.example/web:1'),
      'apps/web/config.yaml': configMap(namespace, 'hello'),
    }, 'first');

    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
      spec: {
        source: { repoURL: server.url('deploy'), targetRevision: 'main', path: 'apps/web' },
        destination: { namespace },
        syncPolicy: { automated: { prune: true, selfHeal: true }, pollInterval: '2s', rollback: { enabled: true, healthTimeout: '30s' } },
      },
    }));
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    const readDeployment = async (): Promise<KubeObject | undefined> =>
      (await rest.request('GET', `/apis/apps/v1/namespaces/${namespace}/deployments/web`)).body as KubeObject;
    const imageOf = (d: KubeObject | undefined): string | undefined =>
      (d?.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined)?.template?.spec?.containers?.[0]?.image;
    const release = () => readRelease(rest, namespace, 'web');
    const settledOn = (revision: string) => async () => {
      const record = await release();
      return record?.state.status === 'Healthy' && record.state.revision === revision ? record : undefined;
    };

    // 1. The first commit is deployed and becomes Healthy.
    const healthy = await controller.explain(eventually('the first commit to be Healthy', settledOn(first), { timeoutMs: 60_000 }));
    assert.equal(healthy.state.lastHealthyRevision, first);
    assert.equal(imageOf(await readDeployment()), 'registry.example/web:1');

    // 2. A commit that changes the image syncs by itself (the next poll).
    const second = await commitFiles(repository, { 'apps/web/deployment.yaml': deployment(namespace, 'registry.example/web:2') }, 'second');
    await controller.explain(eventually('the second commit to be Healthy', settledOn(second), { timeoutMs: 60_000 }));
    assert.equal(imageOf(await readDeployment()), 'registry.example/web:2');

    // 3. A manual change by someone else is healed back to Git.
    await rest.request('PATCH', `/apis/apps/v1/namespaces/${namespace}/deployments/web`, {
      query: { fieldManager: 'kubectl-edit' },
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example/web:hotfix' }] } } } },
    });
    await eventually('the manual image change to be healed', async () =>
      imageOf(await readDeployment()) === 'registry.example/web:2' ? true : undefined, { timeoutMs: 60_000 });

    // 4. A commit whose pods never become Ready fails and is rolled back automatically.
    const broken = await commitFiles(repository, { 'apps/web/deployment.yaml': deployment(namespace, 'registry.example/web:3', true) }, 'broken');
    const rolledBack = await eventually('the broken commit to be rolled back', async () => {
      const record = await release();
      return record?.state.failedRevision === broken && record.state.status === 'Healthy' ? record : undefined;
    }, { timeoutMs: 120_000 });
    assert.equal(rolledBack.state.lastHealthyRevision, second);
    assert.equal(imageOf(await readDeployment()), 'registry.example/web:2');
    const initiators = rolledBack.history.map((entry) => `${entry.initiator}:${entry.revision.slice(0, 7)}:${entry.phase}`);
    assert.ok(rolledBack.history.some((entry) => entry.initiator === 'rollback' && entry.revision === second), initiators.join(', '));
    assert.ok(rolledBack.history.some((entry) => entry.revision === broken && entry.phase === 'Failed'), initiators.join(', '));
  });
});

describe('the controller with Applications in the cluster', () => {
  it('reconciles an Application resource and reports status and Events on it', { timeout: 180_000 }, async (t) => {
    const namespace = await testNamespace(t, 'e2e-crd');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    await installApplicationCrd(rest);
    const root = await tempDir('berth-e2e-git-');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });
    const commit = await commitFiles(repository, { 'apps/web/deployment.yaml': deployment(namespace, 'registry.example/web:1') }, 'first');

    await rest.request('POST', `/apis/berth.dev/v1alpha1/namespaces/${namespace}/applications`, {
      body: {
        apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
        spec: {
          source: { repoURL: server.url('deploy'), targetRevision: 'main', path: 'apps/web' },
          destination: { namespace },
          syncPolicy: { automated: { prune: true }, pollInterval: '5s' },
        },
      },
    });
    const controller = startControllerProcess({ watchCluster: true, namespaces: [namespace] });
    t.after(async () => { await controller.stop(); });

    interface AppStatus { sync?: { status?: string; revision?: string }; health?: { status?: string }; conditions?: { type: string; status: string }[] }
    // Drift is reported during the rollout too (issue 21): Synced and Healthy can show a moment before the release is.
    const status = await controller.explain(eventually('the Application to report Synced, Healthy and Ready', async () => {
      const { body } = await rest.request('GET', `/apis/berth.dev/v1alpha1/namespaces/${namespace}/applications/web`);
      const s = (body as { status?: AppStatus }).status;
      return s?.sync?.status === 'Synced' && s.health?.status === 'Healthy' && s.conditions?.find((c) => c.type === 'Reconciling')?.status === 'False' ? s : undefined;
    }, { timeoutMs: 90_000 }));
    assert.equal(status.sync?.revision, commit);
    assert.equal(status.conditions?.find((c) => c.type === 'Ready')?.status, 'True');

    const events = await eventually('a Synced Event on the Application', async () => {
      const { body } = await rest.request('GET', `/api/v1/namespaces/${namespace}/events`, { query: { fieldSelector: 'involvedObject.kind=Application,involvedObject.name=web' } });
      const items = (body as { items: { reason: string; message: string }[] }).items;
      return items.some((e) => e.reason === 'Synced') ? items : undefined;
    });
    assert.ok(events.some((e) => e.message.includes(commit)));
  });
});
