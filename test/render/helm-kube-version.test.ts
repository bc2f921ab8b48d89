/**
 * Helm is told the cluster it renders for (issue 21): the controller passes the
 * API server's version and its API versions (group/version and
 * group/version/Kind, as Argo CD does) to `helm template`, so a chart with
 * `kubeVersion: ">=1.23.0-0"` renders (helm's built-in default is v1.20.0) and
 * a template guarded by `.Capabilities.APIVersions.Has` sees what the cluster
 * serves. `source.helm.kubeVersion` and `apiVersions` override them, and the
 * render cache keeps renders for different clusters apart.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { createRestClient } from '../../src/kube/rest.ts';
import { clusterCapabilities } from '../../src/kube/discovery.ts';
import { LocalTree } from '../../src/source/local-tree.ts';
import { objectsOf, Renderer } from '../../src/render/render.ts';
import { InvalidSourceError } from '../../src/errors.ts';
import { helmBinary } from '../harness/assets.ts';
import { testKubeConfig, testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { readConfigMapValue, readRelease } from '../controller/replica-fixtures.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';

/** A chart that needs Kubernetes >= 1.23 and has one object only a cluster serving apps/v1 Deployments gets. */
function chartFiles(folder: string): Record<string, string> {
  return {
    [`${folder}/Chart.yaml`]: dump({ apiVersion: 'v2', name: 'versioned', version: '0.1.0', kubeVersion: '>=1.23.0-0' }),
    [`${folder}/templates/always.yaml`]: [
      'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: always',
      'data:', '  value: "{{ .Capabilities.KubeVersion.Version }}"', '',
    ].join('\n'),
    [`${folder}/templates/guarded.yaml`]: [
      '{{- if .Capabilities.APIVersions.Has "apps/v1/Deployment" }}',
      'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: guarded', 'data:', '  value: "deployments served"',
      '{{- end }}', '',
    ].join('\n'),
  };
}

describe('helm renders for the cluster it deploys to', () => {
  it('a chart requiring Kubernetes >= 1.23 deploys, with its APIVersions-guarded object', { timeout: 180_000 }, async (t) => {
    const namespace = await testNamespace(t, 'helm-kube-version');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    const root = await tempDir('berth-helm-kube-version-git-');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });
    const commit = await commitFiles(repository, chartFiles('charts/versioned'), 'chart');
    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'versioned', namespace },
      spec: {
        source: { repoURL: server.url('deploy'), targetRevision: 'main', path: 'charts/versioned' },
        destination: { namespace },
        syncPolicy: { automated: { prune: true }, pollInterval: '10m' },
      },
    }));
    const controller = startControllerProcess({ appsFile, env: { BERTH_HELM: await helmBinary() } });
    t.after(async () => { await controller.stop(); });

    const record = await controller.explain(eventually('the chart to be deployed and Healthy', async () => {
      const found = await readRelease(rest, namespace, 'versioned');
      return found?.state.status === 'Healthy' && found.state.revision === commit ? found : undefined;
    }, { timeoutMs: 90_000 }));
    assert.equal(record.state.reason, 'RolloutSucceeded');
    const version = (await rest.request('GET', '/version')).body as { gitVersion: string };
    assert.equal(await readConfigMapValue(rest, namespace, 'always'), version.gitVersion.replace(/\+.*$/, ''));
    assert.equal(await readConfigMapValue(rest, namespace, 'guarded'), 'deployments served');
  });

  it('takes source.helm.kubeVersion and apiVersions over the cluster\'s, and caches renders per cluster', async (t) => {
    const root = await tempDir('berth-helm-kube-version-');
    t.after(() => { fs.rmSync(root, { recursive: true, force: true }); });
    for (const [file, content] of Object.entries(chartFiles('chart'))) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), content);
    }
    const helm = await helmBinary();
    let cluster = { kubeVersion: 'v1.31.2', apiVersions: ['v1', 'apps/v1', 'apps/v1/Deployment'] };
    const renderer = new Renderer({ helmBinary: helm, clusterCapabilities: () => Promise.resolve(cluster) });
    const request = { tree: new LocalTree(root), commit: 'c0ffee', path: 'chart', appName: 'versioned' } as const;
    const names = (objects: ReturnType<typeof objectsOf>): string[] => objects.map((object) => `${object.metadata.name}`);

    const first = objectsOf(await renderer.render(request));
    assert.deepEqual(names(first), ['always', 'guarded']);
    assert.deepEqual(first[0]?.data, { value: 'v1.31.2' });

    // The same commit for another cluster is another render, not the cached one.
    cluster = { kubeVersion: 'v1.22.0', apiVersions: ['v1', 'apps/v1'] };
    await assert.rejects(renderer.render(request), (error: unknown) => {
      assert.ok(error instanceof InvalidSourceError, String(error));
      assert.match(error.message, /chart requires kubeVersion: >=1\.23\.0-0 which is incompatible with Kubernetes v1\.22\.0/);
      return true;
    });

    const overridden = objectsOf(await renderer.render({ ...request, helm: { valueFiles: [], parameters: [], skipCrds: false, kubeVersion: '1.30.0', apiVersions: ['apps/v1'] } }));
    assert.deepEqual(names(overridden), ['always'], 'the spec\'s apiVersions replace the cluster\'s');
    assert.deepEqual(overridden[0]?.data, { value: 'v1.30.0' });
  });

  it('reads the version and API versions of the real control plane', async (t) => {
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    const capabilities = await clusterCapabilities(rest)();
    assert.match(capabilities.kubeVersion, /^v1\.\d+\.\d+/);
    assert.ok(!capabilities.kubeVersion.includes('+'), capabilities.kubeVersion);
    for (const expected of ['v1', 'v1/ConfigMap', 'apps/v1', 'apps/v1/Deployment', 'batch/v1/Job']) {
      assert.ok(capabilities.apiVersions.includes(expected), `${expected} in ${capabilities.apiVersions.join(' ')}`);
    }
    assert.ok(!capabilities.apiVersions.some((entry) => entry.includes('/status')), 'no subresources');
  });
});
