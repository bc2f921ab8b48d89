/**
 * Every example under examples/ is committed to a local Git repository served
 * over HTTP, synced by a real `berth controller` process on the real control
 * plane, and checked: each Application's release record says Healthy at the
 * commit, and the objects the example promises are there as it describes them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../objects.ts';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { helmBinary } from '../harness/assets.ts';
import { testKubeConfig, testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { readRelease } from '../controller/replica-fixtures.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { exampleFiles, writeExampleApplications, type ExampleName } from '../../examples/example-repo.ts';

interface Container { name: string; image: string; envFrom?: { configMapRef?: { name: string } }[] }
interface DeploymentSpec { replicas: number; template: { spec: { containers: Container[] } } }

async function get(rest: RestClient, apiPath: string): Promise<KubeObject> {
  return (await rest.request('GET', apiPath)).body as KubeObject;
}
const deploymentSpec = (d: KubeObject): DeploymentSpec => d.spec as DeploymentSpec;
const firstContainer = (d: KubeObject): Container => deploymentSpec(d).template.spec.containers[0] ?? assert.fail('a container');

/** What each example promises, checked on the live objects in `ns`. */
const expectations: Record<ExampleName, (rest: RestClient, ns: string) => Promise<void>> = {
  async plain(rest, ns) {
    const deployment = await get(rest, `/apis/apps/v1/namespaces/${ns}/deployments/guestbook`);
    assert.equal(deploymentSpec(deployment).replicas, 2);
    assert.equal(firstContainer(deployment).image, 'registry.example/guestbook:1.0.0');
    const settings = await get(rest, `/api/v1/namespaces/${ns}/configmaps/guestbook-settings`);
    assert.equal((settings.data as Record<string, string>).greeting, 'Welcome aboard');
    await get(rest, `/api/v1/namespaces/${ns}/services/guestbook`);
  },
  async kustomize(rest, ns) {
    const staging = await get(rest, `/apis/apps/v1/namespaces/${ns}/deployments/staging-shop`);
    const production = await get(rest, `/apis/apps/v1/namespaces/${ns}/deployments/prod-shop`);
    assert.equal(firstContainer(staging).image, 'registry.example/shop:1.1.0-rc.1');
    assert.equal(firstContainer(production).image, 'registry.example/shop:1.0.0');
    assert.equal(deploymentSpec(staging).replicas, 1);
    assert.equal(deploymentSpec(production).replicas, 3);
    // The generated ConfigMap's hashed name, as the overlay's Deployment refers to it, exists.
    const settingsName = firstContainer(production).envFrom?.[0]?.configMapRef?.name ?? '';
    assert.match(settingsName, /^prod-shop-settings-[a-z0-9]+$/);
    const settings = await get(rest, `/api/v1/namespaces/${ns}/configmaps/${settingsName}`);
    assert.equal((settings.data as Record<string, string>).LOG_LEVEL, 'info');
    await get(rest, `/api/v1/namespaces/${ns}/services/staging-shop`);
    await get(rest, `/api/v1/namespaces/${ns}/services/prod-shop`);
  },
  async helm(rest, ns) {
    const deployment = await get(rest, `/apis/apps/v1/namespaces/${ns}/deployments/greeter`);
    assert.equal(deploymentSpec(deployment).replicas, 2, 'values-production.yaml applies');
    assert.equal(firstContainer(deployment).image, 'registry.example/greeter:2.4.1', 'the tag defaults to appVersion');
    const config = await get(rest, `/api/v1/namespaces/${ns}/configmaps/greeter`);
    assert.equal((config.data as Record<string, string>).GREETING, 'Hello from Berth', 'the parameter applies');
    await get(rest, `/api/v1/namespaces/${ns}/services/greeter`);
  },
  async 'sync-waves'(rest, ns) {
    const job = await get(rest, `/apis/batch/v1/namespaces/${ns}/jobs/orders-migrate`);
    const jobStatus = job.status as { succeeded?: number; completionTime?: string };
    assert.equal(jobStatus.succeeded, 1, 'the PreSync migration ran to completion');
    const created = async (apiPath: string): Promise<number> => Date.parse((await get(rest, apiPath)).metadata.creationTimestamp ?? '');
    const config = await created(`/api/v1/namespaces/${ns}/configmaps/orders-config`);
    const api = await created(`/apis/apps/v1/namespaces/${ns}/deployments/orders-api`);
    const worker = await created(`/apis/apps/v1/namespaces/${ns}/deployments/orders-worker`);
    await get(rest, `/api/v1/namespaces/${ns}/services/orders-api`);
    // Timestamps have one-second resolution: the order shows as "not before".
    assert.ok(Date.parse(jobStatus.completionTime ?? '') <= config, 'the migration finished before the first wave');
    assert.ok(config <= api && api <= worker, `waves in order: config ${config}, api ${api}, worker ${worker}`);
  },
};

describe('the examples', () => {
  for (const name of Object.keys(expectations) as ExampleName[]) {
    it(`syncs examples/${name} to Healthy`, { timeout: 180_000 }, async (t) => {
      const namespace = await testNamespace(t, `ex-${name}`);
      const rest = await createRestClient(testKubeConfig());
      t.after(() => { rest.close(); });
      const root = await tempDir(`example-${name}`);
      const repository = await createRepository(root, name);
      const server = await startGitServer(root);
      t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });
      const commit = await commitFiles(repository, exampleFiles(name), `examples/${name}`);

      const { file, apps } = writeExampleApplications(root, name, { repoURL: server.url(name), namespace, pollInterval: '5s' });
      // The controller renders charts with BERTH_HELM (the harness's helm) and kustomizations with kubectl.
      process.env.BERTH_HELM = await helmBinary();
      // The test's Git server speaks plain HTTP on loopback.
      process.env.BERTH_ALLOW_HTTP_REPOS = 'true';
      const controller = startControllerProcess({ appsFile: file });
      t.after(async () => { await controller.stop(); });

      for (const app of apps) {
        let seen = 'no release record';
        // Settled: Healthy, or a failure at this commit that no retry undoes (a render error stays one).
        const record = await controller.explain(eventually(`${app} to settle at ${commit.slice(0, 7)}`, async () => {
          const release = await readRelease(rest, namespace, app);
          if (release) seen = `${release.state.status} at ${release.state.revision?.slice(0, 7) ?? '-'}: ${release.state.message}`;
          if (release?.state.revision !== commit) return undefined;
          return release.state.status === 'Healthy' || release.state.reason === 'RenderFailed' ? release : undefined;
        }, { timeoutMs: 120_000 }).catch((error: unknown) => {
          throw new Error(`${app}: ${seen}`, { cause: error });
        }));
        assert.equal(record.state.status, 'Healthy', `${app}: ${seen}`);
        assert.equal(record.state.lastHealthyRevision, commit);
        assert.ok(record.inventory.entries.length > 0, `${app}: an inventory`);
      }
      await expectations[name](rest, namespace);
    });
  }
});
