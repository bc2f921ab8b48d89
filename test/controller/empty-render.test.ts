/**
 * An empty render is a failed render (issue 21): a folder with only `.jsonnet`
 * files renders zero objects, and deploying that as a success would report
 * Synced and Healthy while nothing runs. Unless `allowEmpty` is set, the
 * release fails with RenderFailed (nothing applied, nothing pruned) and the
 * message names the folder and what it holds.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { createRestClient } from '../../src/kube/rest.ts';
import { testKubeConfig, testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { startControllerProcess } from './controller-process.ts';
import { configMapYaml, readConfigMapValue, readRelease } from './replica-fixtures.ts';

const jsonnet = (name: string): string => `{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '${name}' } }\n`;

describe('an empty render', () => {
  it('fails as RenderFailed naming what the folder holds, and prunes nothing', { timeout: 180_000 }, async (t) => {
    const namespace = await testNamespace(t, 'empty-render');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    const root = await tempDir('berth-empty-render-git-');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });

    const first = await commitFiles(repository, {
      'apps/jsonnet/a.jsonnet': jsonnet('a'), 'apps/jsonnet/b.jsonnet': jsonnet('b'), 'apps/jsonnet/c.jsonnet': jsonnet('c'),
      'apps/web/settings.yaml': configMapYaml(namespace, 'web-settings', 'hello'),
    }, 'first');
    const application = (name: string, appPath: string): Record<string, unknown> => ({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
      spec: {
        source: { repoURL: server.url('deploy'), targetRevision: 'main', path: appPath },
        destination: { namespace },
        syncPolicy: { automated: { prune: true, allowEmpty: false }, pollInterval: '5s', rollback: { enabled: true } },
      },
    });
    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({ apiVersion: 'v1', kind: 'List', items: [application('jsonnet', 'apps/jsonnet'), application('web', 'apps/web')] }));
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    const failed = await controller.explain(eventually('the jsonnet folder to fail to render', async () => {
      const record = await readRelease(rest, namespace, 'jsonnet');
      return record?.state.status === 'Degraded' && record.state.failedRevision === first ? record : undefined;
    }, { timeoutMs: 60_000 }));
    assert.equal(failed.state.reason, 'RenderFailed');
    assert.match(failed.state.message, /apps\/jsonnet: renders no objects: 3 \.jsonnet files, no \.yaml\/\.yml\/\.json: Jsonnet is not supported/);
    assert.match(failed.state.message, /allowEmpty/);
    assert.equal(failed.appliedRevision, undefined, 'nothing was applied');
    assert.deepEqual(failed.inventory.entries, []);

    await controller.explain(eventually('the web folder to deploy', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Healthy' && record.state.revision === first ? record : undefined;
    }, { timeoutMs: 60_000 }));
    assert.equal(await readConfigMapValue(rest, namespace, 'web-settings'), 'hello');

    // A deployed Application whose folder loses its manifests keeps its objects.
    const emptied = await commitFiles(repository, { 'apps/web/settings.yaml': null, 'apps/web/web.jsonnet': jsonnet('web-settings') }, 'to jsonnet');
    const refused = await controller.explain(eventually('the emptied folder to fail to render', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.failedRevision === emptied ? record : undefined;
    }, { timeoutMs: 60_000 }));
    assert.equal(refused.state.status, 'Degraded');
    assert.equal(refused.state.reason, 'RenderFailed');
    assert.match(refused.state.message, /apps\/web: renders no objects: 1 \.jsonnet file, no \.yaml\/\.yml\/\.json: Jsonnet is not supported/);
    assert.equal(refused.appliedRevision, first, 'the applied revision stays');
    assert.equal(refused.inventory.entries.length, 1, 'the inventory keeps the ConfigMap');
    assert.equal(await readConfigMapValue(rest, namespace, 'web-settings'), 'hello', 'nothing was pruned');
  });
});
