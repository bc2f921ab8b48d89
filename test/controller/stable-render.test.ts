/**
 * Renders are stable across restarts and replicas (issue 21): a chart whose
 * template makes a random password (`randAlphaNum`, as grafana's does) renders
 * a new value every time helm runs. Once a controller has rendered a commit, a
 * restarted controller and a second replica on the same Redis must see the same
 * objects: no drift, and no write to the Secret (self-heal is on, so a re-render
 * that differed would be applied and move the Secret's resourceVersion).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import type { RestClient } from '../../src/kube/rest.ts';
import { helmBinary } from '../harness/assets.ts';
import { uniqueName } from '../harness/env.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { startControllerProcess, type ControllerProcess } from './controller-process.ts';
import { controllerStarted, readRelease, reconciledLines } from './replica-fixtures.ts';

const adminToken = 'stable-render-admin-token';
const app = 'grafana-like';

interface DriftReport { status: string; checkedAt?: string; objects?: { kind: string; name: string; status: string }[] }

async function api(controller: ControllerProcess, method: 'GET' | 'POST', route: string): Promise<unknown> {
  const response = await fetch(`${await controller.baseUrl()}${route}`, { method, headers: { authorization: `Bearer ${adminToken}` } });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function secretOf(rest: RestClient, namespace: string): Promise<{ password: string; resourceVersion: string }> {
  const body = (await rest.request('GET', `/api/v1/namespaces/${namespace}/secrets/${app}-admin`)).body as { data: { password: string }; metadata: { resourceVersion: string } };
  return { password: body.data.password, resourceVersion: body.metadata.resourceVersion };
}

describe('a chart with a random value', () => {
  it('shows no drift and is not rewritten after a controller restart and on a second replica', { timeout: 300_000 }, async (t) => {
    const { namespace, rest, root, repository, repoURL } = await integrationSetUp(t, 'stable-render');
    const commit = await commitFiles(repository, {
      'charts/grafana-like/Chart.yaml': dump({ apiVersion: 'v2', name: 'grafana-like', version: '0.1.0' }),
      'charts/grafana-like/templates/secret.yaml': [
        'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: {{ .Release.Name }}-admin', 'type: Opaque', 'data:',
        '  password: {{ randAlphaNum 16 | b64enc | quote }}', '',
      ].join('\n'),
    }, 'chart');
    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({ apiVersion: 'v1', kind: 'List', items: [{
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: app, namespace },
      spec: {
        source: { repoURL, targetRevision: 'main', path: 'charts/grafana-like' },
        destination: { namespace },
        // Only start-ups and the test's refreshes drive reconciles.
        syncPolicy: { automated: { prune: true, selfHeal: true }, pollInterval: '10m' },
      },
    }] }));
    const prefix = uniqueName('berth-stable-render');
    cleanUpPrefix(t, prefix);
    const helm = await helmBinary();
    const start = (): ControllerProcess => {
      const controller = startControllerProcess({ appsFile, queuePrefix: prefix, env: { BERTH_API_ADMIN_TOKENS: adminToken, BERTH_HELM: helm } });
      t.after(async () => { await controller.stop(); });
      return controller;
    };
    const driftRoute = `/api/v1/namespaces/${namespace}/applications/${app}/drift`;
    const refreshRoute = `/api/v1/namespaces/${namespace}/applications/${app}/refresh`;
    const reconciledBy = (controller: ControllerProcess): number => reconciledLines(controller).filter((line) => line.app === `${namespace}/${app}`).length;
    /** The drift report of a reconcile by `controller` after its `before`-th one. */
    const driftAfterReconcile = async (controller: ControllerProcess, before: number): Promise<DriftReport> => {
      await controller.explain(eventually('a reconcile by this controller', async () => {
        if (reconciledBy(controller) > before) return true;
        await api(controller, 'POST', refreshRoute);
        return undefined;
      }, { timeoutMs: 90_000, intervalMs: 1_000 }));
      return await api(controller, 'GET', driftRoute) as DriftReport;
    };
    const notSynced = (report: DriftReport): string[] =>
      (report.objects ?? []).filter((object) => object.status !== 'Synced').map((object) => `${object.kind}/${object.name}: ${object.status}`);

    // 1. The first controller deploys the chart.
    const first = start();
    await first.explain(eventually('the chart to be deployed', async () => {
      const record = await readRelease(rest, namespace, app);
      return record?.state.status === 'Healthy' && record.appliedRevision === commit ? record : undefined;
    }, { timeoutMs: 90_000 }));
    const deployed = await secretOf(rest, namespace);
    const initial = await driftAfterReconcile(first, reconciledBy(first));
    assert.equal(initial.status, 'Synced', `before the restart: ${notSynced(initial).join(', ')}`);
    assert.deepEqual(await secretOf(rest, namespace), deployed);

    // 2. A restart: a new process (empty memory, fresh cache folder), the same Redis.
    await first.stop();
    const restarted = start();
    await controllerStarted(restarted);
    const afterRestart = await driftAfterReconcile(restarted, 0);
    assert.equal(afterRestart.status, 'Synced', `after the restart: ${notSynced(afterRestart).join(', ')}`);
    assert.deepEqual(await secretOf(rest, namespace), deployed, 'the restarted controller wrote the Secret again');

    // 3. A second replica beside it reconciles the Application too.
    const second = start();
    await controllerStarted(second);
    const onSecond = await driftAfterReconcile(second, 0);
    assert.equal(onSecond.status, 'Synced', `on the second replica: ${notSynced(onSecond).join(', ')}`);
    const again = await driftAfterReconcile(restarted, reconciledBy(restarted));
    assert.equal(again.status, 'Synced', `back on the first replica: ${notSynced(again).join(', ')}`);
    assert.deepEqual(await secretOf(rest, namespace), deployed, 'a replica wrote the Secret again');
    const record = await readRelease(rest, namespace, app);
    assert.deepEqual(record?.history.filter((entry) => entry.message.startsWith('self-heal:')).map((entry) => entry.message), [], 'nothing was healed');
  });
});
