/**
 * Self-heal through the managed-object watch, with the controller as a separate
 * process and `pollInterval: 10m`, so only the watch can notice a change: a
 * manual image change is reverted and a deleted ConfigMap recreated within
 * seconds; without `selfHeal` the change stays and the Application says
 * OutOfSync; and a synced Application settles, with no reconcile loop and no
 * writes of its own.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, type TestContext } from 'node:test';
import { dump } from 'js-yaml';
import type { KubeObject } from '../../objects.ts';
import { readRelease } from './replica-fixtures.ts';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { testKubeConfig, testNamespace } from '../harness/env.ts';
import { servedRepository } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { installApplicationCrd } from '../application/install-crd.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { startControllerProcess, type ControllerProcess } from './controller-process.ts';

function manifests(namespace: string): Record<string, string> {
  return {
    'apps/web/deployment.yaml': dump({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace },
      spec: {
        replicas: 2, selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.example/web:1' }] } },
      },
    }),
    'apps/web/config.yaml': dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-settings', namespace }, data: { greeting: 'hello' } }),
  };
}

function application(namespace: string, repoURL: string, selfHeal: boolean): Record<string, unknown> {
  return {
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
    spec: {
      source: { repoURL, targetRevision: 'main', path: 'apps/web' },
      destination: { namespace },
      syncPolicy: { automated: { prune: true, ...(selfHeal ? { selfHeal: true } : {}) }, pollInterval: '10m' },
    },
  };
}

/** A Git server with one commit of `manifests(namespace)`; its URL for the repository. */
async function serveManifests(t: TestContext, namespace: string): Promise<{ repoURL: string; root: string; commit: string }> {
  const { repoURL, root, repository } = await servedRepository(t, 'self-heal');
  const commit = await commitFiles(repository, manifests(namespace), 'first');
  return { repoURL, root, commit };
}

const deploymentPath = (namespace: string): string => `/apis/apps/v1/namespaces/${namespace}/deployments/web`;
const configMapPath = (namespace: string): string => `/api/v1/namespaces/${namespace}/configmaps/web-settings`;

async function read(rest: RestClient, objectPath: string): Promise<KubeObject> {
  return (await rest.request('GET', objectPath)).body as KubeObject;
}

const imageOf = (d: KubeObject): string | undefined =>
  (d.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined)?.template?.spec?.containers?.[0]?.image;

/** What shows whether Berth wrote an object: its generation and the time of Berth's managedFields entry. */
const berthWrites = (object: KubeObject): string =>
  `${String(object.metadata.generation)} ${object.metadata.managedFields?.find((entry) => entry.manager === 'berth')?.time ?? '-'}`;

async function editImage(rest: RestClient, namespace: string, image: string): Promise<void> {
  await rest.request('PATCH', deploymentPath(namespace), {
    query: { fieldManager: 'kubectl-edit' },
    contentType: 'application/strategic-merge-patch+json',
    body: { spec: { template: { spec: { containers: [{ name: 'web', image }] } } } },
  });
}

const reconcilesOf = (controller: ControllerProcess, app: string): number =>
  controller.logLines().filter((line) => line.msg === 'reconciled' && line.app === app).length;

describe('self-heal through the managed-object watch', () => {
  it('reverts a manual change and recreates a deleted object within seconds, then settles', { timeout: 180_000 }, async (t) => {
    const namespace = await testNamespace(t, 'self-heal');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    const { repoURL, root, commit } = await serveManifests(t, namespace);
    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump(application(namespace, repoURL, true)));
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });
    const app = `${namespace}/web`;

    await controller.explain(eventually('the commit to be Healthy', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Healthy' && record.state.revision === commit ? record : undefined;
    }, { timeoutMs: 60_000 }));

    // Settled: kwok and the Deployment controller keep writing status, Berth keeps still.
    await sleep(2_000);
    const before = { reconciles: reconcilesOf(controller, app), deployment: berthWrites(await read(rest, deploymentPath(namespace))),
      configMap: (await read(rest, configMapPath(namespace))).metadata.resourceVersion };
    await sleep(15_000);
    const settledReconciles = reconcilesOf(controller, app) - before.reconciles;
    t.diagnostic(`${String(settledReconciles)} reconciles in 15 s after the sync settled`);
    assert.ok(settledReconciles <= 2, `${String(settledReconciles)} reconciles in 15 s with nothing changing`);
    assert.equal(berthWrites(await read(rest, deploymentPath(namespace))), before.deployment, 'Berth wrote the Deployment again');
    assert.equal((await read(rest, configMapPath(namespace))).metadata.resourceVersion, before.configMap, 'Berth wrote the ConfigMap again');

    // A manual image change by another field manager is reverted (the poll is 10 minutes away).
    const changedAt = Date.now();
    await editImage(rest, namespace, 'registry.example/web:hotfix');
    await controller.explain(eventually('the image change to be reverted', async () =>
      imageOf(await read(rest, deploymentPath(namespace))) === 'registry.example/web:1' ? true : undefined, { timeoutMs: 15_000, intervalMs: 100 }));
    t.diagnostic(`image reverted after ${String(Date.now() - changedAt)} ms`);

    // A deleted managed ConfigMap is recreated.
    const deletedAt = Date.now();
    const { uid } = (await read(rest, configMapPath(namespace))).metadata;
    await rest.request('DELETE', configMapPath(namespace));
    const recreated = await controller.explain(eventually('the ConfigMap to be recreated', async () => {
      const configMap = await read(rest, configMapPath(namespace)).catch(() => undefined);
      return configMap && configMap.metadata.uid !== uid ? configMap : undefined;
    }, { timeoutMs: 15_000, intervalMs: 100 }));
    t.diagnostic(`ConfigMap recreated after ${String(Date.now() - deletedAt)} ms`);
    assert.deepEqual(recreated.data, { greeting: 'hello' });

    // Berth's own self-heal writes come back through the watch too; they must not loop.
    await sleep(3_000);
    const healed = { reconciles: reconcilesOf(controller, app), deployment: berthWrites(await read(rest, deploymentPath(namespace))) };
    await sleep(8_000);
    const afterHeal = reconcilesOf(controller, app) - healed.reconciles;
    t.diagnostic(`${String(afterHeal)} reconciles in 8 s after healing`);
    assert.ok(afterHeal <= 1, `${String(afterHeal)} reconciles in 8 s after healing`);
    assert.equal(berthWrites(await read(rest, deploymentPath(namespace))), healed.deployment);
  });

  it('without selfHeal, leaves a manual change and reports the Application OutOfSync', { timeout: 180_000 }, async (t) => {
    const namespace = await testNamespace(t, 'no-heal');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    await installApplicationCrd(rest);
    const { repoURL } = await serveManifests(t, namespace);
    const applicationPath = `/apis/berth.dev/v1alpha1/namespaces/${namespace}/applications/web`;
    await rest.request('POST', `/apis/berth.dev/v1alpha1/namespaces/${namespace}/applications`, { body: application(namespace, repoURL, false) });
    const controller = startControllerProcess({ watchCluster: true, namespaces: [namespace] });
    t.after(async () => { await controller.stop(); });

    interface AppStatus {
      sync?: { status?: string };
      health?: { status?: string };
      resources?: { kind: string; name: string; status?: string }[];
    }
    const statusOf = async (): Promise<AppStatus | undefined> => ((await rest.request('GET', applicationPath)).body as { status?: AppStatus }).status;
    await controller.explain(eventually('the Application to report Synced and Healthy', async () => {
      const status = await statusOf();
      return status?.sync?.status === 'Synced' && status.health?.status === 'Healthy' ? status : undefined;
    }, { timeoutMs: 90_000 }));

    await editImage(rest, namespace, 'registry.example/web:hotfix');
    const status = await controller.explain(eventually('the Application to report OutOfSync', async () => {
      const current = await statusOf();
      return current?.sync?.status === 'OutOfSync' ? current : undefined;
    }, { timeoutMs: 15_000, intervalMs: 100 }));
    assert.equal(status.resources?.find((r) => r.kind === 'Deployment' && r.name === 'web')?.status, 'OutOfSync');
    assert.equal(status.resources.find((r) => r.kind === 'ConfigMap' && r.name === 'web-settings')?.status, 'Synced');
    assert.ok(controller.logLines().some((line) => line.msg === 'reconciled' && line.reason === 'watch'), 'the watch triggered the reconcile');

    await sleep(3_000);
    assert.equal(imageOf(await read(rest, deploymentPath(namespace))), 'registry.example/web:hotfix');
  });
});
