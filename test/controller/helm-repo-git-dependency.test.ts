/**
 * A chart kept in a Git repository whose Chart.yaml depends on a chart in a real
 * OCI registry (token auth): Berth fetches the dependency (pinned by Chart.lock)
 * with the registry credentials of the Application's credentialsSecret and puts
 * it in charts/ before helm runs; helm itself has no network. Before Berth did
 * this, such a chart failed to render ("found in Chart.yaml, but missing in charts/").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import type { RestClient } from '../../src/kube/rest.ts';
import { helmBinary } from '../harness/assets.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { startRegistry, stopRegistry } from '../harness/registry.ts';
import { application, writeApplications } from '../security/tenant-fixtures.ts';
import { startControllerProcess } from './controller-process.ts';
import { pushChart } from './oci-fixtures.ts';
import { readConfigMapValue, readRelease } from './replica-fixtures.ts';

async function createSecret(rest: RestClient, namespace: string, name: string, data: Record<string, string>): Promise<void> {
  await rest.request('POST', `/api/v1/namespaces/${namespace}/secrets`, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data } });
}

describe('a Git-hosted chart with an OCI dependency', () => {
  it('renders with the dependency Berth fetched (Chart.lock version, registry credentials from the Secret)', { timeout: 300_000 }, async (t) => {
    const { namespace, rest, root, repository, repoURL } = await integrationSetUp(t, 'git-chart-dep');
    const helm = await helmBinary();
    const registry = await startRegistry({ users: { alice: 'wonderland' }, helm });
    t.after(async () => { await stopRegistry(registry); });
    await pushChart(registry, root, '0.1.0');
    await pushChart(registry, root, '0.2.0');
    const dependency = { name: 'web', version: '>=0.1.0', repository: `oci://${registry.host}/charts` };
    await commitFiles(repository, {
      'chart/Chart.yaml': dump({ apiVersion: 'v2', name: 'app', version: '1.0.0', dependencies: [dependency] }),
      // The lock pins 0.1.0 although 0.2.0 matches the range: Berth honours the lock, as helm dependency build does.
      'chart/Chart.lock': dump({ dependencies: [{ ...dependency, version: '0.1.0' }], digest: 'sha256:0', generated: '2026-01-01T00:00:00Z' }),
      'chart/templates/app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-version\ndata:\n  value: {{ .Chart.Version | quote }}\n',
    }, 'chart with an OCI dependency');
    const docker = JSON.stringify({ auths: { [registry.host]: { username: 'alice', password: 'wonderland' } } });
    // One Secret: Git credentials for the repository, registry credentials for the dependency (longest prefix each).
    await createSecret(rest, namespace, 'creds', { username: 'git', password: 'unused-by-this-server', '.dockerconfigjson': docker });
    const appsFile = writeApplications(root, [application('app', namespace, { repoURL, path: 'chart', credentialsSecret: 'creds' })]);
    const controller = startControllerProcess({ appsFile, env: { BERTH_HELM: helm } });
    t.after(async () => { await controller.stop(); });

    await controller.explain(eventually('the chart and its dependency deployed', async () =>
      (await readConfigMapValue(rest, namespace, 'app-version')) === '1.0.0' && (await readConfigMapValue(rest, namespace, 'web-version')) === '0.1.0' || undefined, { timeoutMs: 120_000 }));
    const applied = await eventually('the release recorded', async () => (await readRelease(rest, namespace, 'app'))?.appliedRevision, { timeoutMs: 60_000 });
    assert.match(applied, /^[0-9a-f]{40}$/, 'a Git source keeps its commit as the revision');
  });
});
