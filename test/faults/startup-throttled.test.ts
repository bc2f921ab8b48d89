/**
 * A transient 429 at start-up (issue 21): right after the Application CRD is
 * Established, an API server may answer `429 storage is (re)initializing`. The
 * controller's start-up reads (the reachability check, the first list of
 * Applications) are retried with backoff like every other read: the controller
 * stays up, says it is retrying, and syncs the Application once the API server
 * answers. A proxy on loopback in front of the shared API server throttles.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubeconfigPath, uniqueName } from '../harness/env.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { installApplicationCrd } from '../application/install-crd.ts';
import { applicationsPath } from '../../src/application/status-writer.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, readConfigMapValue } from '../controller/replica-fixtures.ts';
import { errorText, isAlive } from './fault-fixtures.ts';
import { startThrottlingKubeProxy } from './throttling-kube-proxy.ts';

describe('a throttled API server at start-up', () => {
  it('is waited out: the start-up reads retry, and the Application is synced', { timeout: 180_000 }, async (t) => {
    const { namespace, rest, root, repository, repoURL } = await integrationSetUp(t, 'startup-429');
    await installApplicationCrd(rest);
    await commitFiles(repository, { 'apps/web/config.yaml': configMapYaml(namespace, 'web-settings', 'synced') }, 'first');
    await rest.request('POST', applicationsPath(namespace), {
      body: {
        apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
        spec: { source: { repoURL, targetRevision: 'main', path: 'apps/web' }, destination: { namespace }, syncPolicy: { automated: { prune: true }, pollInterval: '10m' } },
      },
    });

    const listPath = applicationsPath(namespace);
    const proxy = await startThrottlingKubeProxy(kubeconfigPath(), root, [
      { count: 2, matches: (method, url) => method === 'GET' && url.pathname === '/version' },
      { count: 3, matches: (method, url) => method === 'GET' && url.pathname === listPath && url.searchParams.get('watch') !== 'true' },
    ]);
    t.after(() => proxy.close());
    const prefix = uniqueName('berth-startup-429');
    cleanUpPrefix(t, prefix);
    const controller = startControllerProcess({ kubeconfig: proxy.kubeconfigPath, watchCluster: true, namespaces: [namespace], queuePrefix: prefix });
    t.after(async () => { await controller.stop(); });

    const outcome = await controller.explain(eventually('the Application to be synced', async () => {
      if (!isAlive(controller)) return 'the controller exited';
      return await readConfigMapValue(rest, namespace, 'web-settings') === 'synced' ? 'synced' : undefined;
    }, { timeoutMs: 90_000 }));
    assert.equal(outcome, 'synced', controller.logLines().slice(-5).map((line) => `${String(line.msg)} ${errorText(line)}`).join('\n'));
    assert.equal(proxy.throttled(), 5, 'every throttled read was asked again');
    assert.ok(isAlive(controller));
    const retried = controller.logLines().filter((line) => /retry/i.test(String(line.msg)) && /429|storage is \(re\)initializing/.test(errorText(line)));
    assert.ok(retried.length >= 2, `the log says the start-up reads were retried: ${retried.map((line) => String(line.msg)).join(' | ')}`);
  });
});
