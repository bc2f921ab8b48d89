/**
 * Helm repository sources through a real controller process: a static Helm
 * repository (`helm repo index` output behind Basic auth, test/harness/registry.ts)
 * and a real OCI registry for a dependency. The chart deploys by a semver range
 * with its OCI dependency fetched by Berth (the same Secret, the longest URL
 * prefix picking the right credentials for each), a new version deploys, the
 * index is revalidated by ETag (304), and hostile cases are refused by name with
 * nothing applied: wrong credentials, a chart archive holding a symlink, and a
 * dependency on a link-local (metadata) address.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { dump, load } from 'js-yaml';
import type { RestClient } from '../../src/kube/rest.ts';
import { writeTarGz } from '../../src/source/helm-archive.ts';
import { helmBinary } from '../harness/assets.ts';
import { testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { testRestClient } from '../harness/integration.ts';
import { startHelmRepoServer, startRegistry, stopRegistry } from '../harness/registry.ts';
import { application, logged, writeApplications } from '../security/tenant-fixtures.ts';
import { startControllerProcess } from './controller-process.ts';
import { pushChart } from './oci-fixtures.ts';
import { readConfigMapValue, readRelease } from './replica-fixtures.ts';

const run = promisify(execFile);

async function createSecret(rest: RestClient, namespace: string, name: string, data: Record<string, string>): Promise<void> {
  await rest.request('POST', `/api/v1/namespaces/${namespace}/secrets`, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data } });
}

/**
 * Chart `name` at `version` with a ConfigMap `<name>-version` and `dependencies` in
 * Chart.yaml, archived as `helm package` does (helm package itself refuses a chart
 * whose dependencies are not in charts/ yet, which is the case under test).
 */
function packageChart(repoDir: string, name: string, version: string, dependencies: object[] = []): void {
  fs.writeFileSync(path.join(repoDir, `${name}-${version}.tgz`), writeTarGz([
    { path: `${name}/Chart.yaml`, data: dump({ apiVersion: 'v2', name, version, dependencies }) },
    { path: `${name}/templates/config.yaml`, data: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-version\ndata:\n  value: {{ .Chart.Version | quote }}\n` },
  ]));
}

async function indexRepository(helm: string, repoDir: string, url: string, extra: Record<string, object[]> = {}): Promise<void> {
  await run(helm, ['repo', 'index', repoDir, `--url=${url}`]);
  const file = path.join(repoDir, 'index.yaml');
  const index = load(fs.readFileSync(file, 'utf8')) as { entries: Record<string, object[]> };
  fs.writeFileSync(file, dump({ ...index, entries: { ...index.entries, ...extra } }));
}

describe('Helm repository sources through the controller', () => {
  it('deploys a chart with an OCI dependency by semver range, follows a new version with ETag revalidation, and refuses hostile charts by name', { timeout: 420_000 }, async (t) => {
    const namespace = await testNamespace(t, 'helm-repo');
    const rest = await testRestClient(t);
    const helm = await helmBinary();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-helm-repo-'));
    t.after(() => { fs.rmSync(root, { recursive: true, force: true }); });
    const repoDir = path.join(root, 'repo');
    fs.mkdirSync(repoDir);
    const registry = await startRegistry({ users: { alice: 'wonderland' }, helm });
    t.after(async () => { await stopRegistry(registry); });
    const server = await startHelmRepoServer(repoDir, { username: 'charts', password: 's3cret' });
    t.after(async () => { await server.close(); });

    // The dependency lives in the registry; the chart in the Helm repository.
    await pushChart(registry, root, '0.1.0');
    const dependency = { name: 'web', version: '^0.1.0', repository: `oci://${registry.host}/charts` };
    packageChart(repoDir, 'db', '1.0.0', [dependency]);
    // Hostile: an archive holding a symlink, and a dependency on the metadata address.
    fs.writeFileSync(path.join(repoDir, 'evil-1.0.0.tgz'), writeTarGz([
      { path: 'evil/Chart.yaml', data: 'apiVersion: v2\nname: evil\nversion: 1.0.0\n' },
      { path: 'evil/templates/passwd.yaml', data: '', type: '2', linkTarget: '/etc/passwd' },
    ]));
    packageChart(repoDir, 'ssrf', '1.0.0', [{ name: 'meta', version: '1.0.0', repository: 'http://169.254.169.254/latest/charts' }]);
    await indexRepository(helm, repoDir, server.url, { evil: [{ apiVersion: 'v2', name: 'evil', version: '1.0.0', urls: [`${server.url}evil-1.0.0.tgz`] }] });

    const docker = JSON.stringify({ auths: { [registry.host]: { username: 'alice', password: 'wonderland' } } });
    await createSecret(rest, namespace, 'charts', { username: 'charts', password: 's3cret', '.dockerconfigjson': docker });
    await createSecret(rest, namespace, 'wrong', { username: 'charts', password: 'guess' });
    const appsFile = writeApplications(root, [
      application('db', namespace, { repoURL: server.url, chart: 'db', targetRevision: '^1.0.0', credentialsSecret: 'charts' }),
      application('wrong', namespace, { repoURL: server.url, chart: 'db', targetRevision: '^1.0.0', credentialsSecret: 'wrong' }),
      application('evil', namespace, { repoURL: server.url, chart: 'evil', targetRevision: '1.0.0', credentialsSecret: 'charts' }),
      application('ssrf', namespace, { repoURL: server.url, chart: 'ssrf', targetRevision: '1.0.0', credentialsSecret: 'charts' }),
    ]);
    const controller = startControllerProcess({ appsFile, env: { BERTH_HELM: helm } });
    t.after(async () => { await controller.stop(); });

    // 1. The chart and its OCI dependency render together; the index's digest is the revision.
    await controller.explain(eventually('db 1.0.0 with its dependency deployed', async () =>
      (await readConfigMapValue(rest, namespace, 'db-version')) === '1.0.0' && (await readConfigMapValue(rest, namespace, 'web-version')) === '0.1.0' || undefined, { timeoutMs: 120_000 }));
    const index = load(fs.readFileSync(path.join(repoDir, 'index.yaml'), 'utf8')) as { entries: Record<string, { version: string; digest: string }[]> };
    const digestOf = (version: string): string => `sha256:${index.entries.db?.find((entry) => entry.version === version)?.digest ?? ''}`;
    await eventually('the release at the digest of db 1.0.0', async () => (await readRelease(rest, namespace, 'db'))?.state.revision === digestOf('1.0.0') || undefined, { timeoutMs: 60_000 });

    // 2. Polls revalidate the index by its ETag.
    await controller.explain(eventually('an index poll answered 304', () => Promise.resolve(server.requests.includes('GET /index.yaml 304') || undefined), { timeoutMs: 60_000 }));

    // 3. A new version in range deploys.
    packageChart(repoDir, 'db', '1.1.0', [dependency]);
    await indexRepository(helm, repoDir, server.url, { evil: [{ apiVersion: 'v2', name: 'evil', version: '1.0.0', urls: [`${server.url}evil-1.0.0.tgz`] }] });
    await controller.explain(eventually('db 1.1.0 deployed', async () => (await readConfigMapValue(rest, namespace, 'db-version')) === '1.1.0' || undefined, { timeoutMs: 120_000 }));

    // 4. Refusals by name, nothing applied.
    const refusals = [
      'the server rejected the credentials (HTTP 401)',
      'is a symlink; Berth does not unpack links',
      'dependency meta from http://169.254.169.254/latest/charts',
    ];
    for (const refusal of refusals) {
      await controller.explain(eventually(`the controller to log: ${refusal}`, () => Promise.resolve(logged(controller.logLines(), refusal) || undefined), { timeoutMs: 60_000 }));
    }
    for (const app of ['wrong', 'evil', 'ssrf']) {
      assert.equal((await readRelease(rest, namespace, app))?.appliedRevision, undefined, `${app}: nothing applied`);
    }
    assert.equal(await readConfigMapValue(rest, namespace, 'ssrf-version'), undefined);
  });
});
