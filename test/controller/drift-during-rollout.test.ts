/**
 * Drift while a rollout is being followed (issue 21): a first commit whose pods
 * never become Ready keeps the release Progressing for its whole health
 * timeout. A Service deleted by hand in that time is drift, and the drift API
 * and `berth diff` say so at once (it is not healed: a heal waits for the
 * rollout to settle). And `berth diff` of an Application whose drift nobody
 * could check exits with its own code, not 0.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { uniqueName } from '../harness/env.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { neverReadyAnnotation } from '../harness/kwok.ts';
import { freePort } from '../harness/ports.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { startControllerProcess } from './controller-process.ts';
import { readRelease } from './replica-fixtures.ts';

const root = path.resolve(import.meta.dirname, '../..');
const adminToken = 'drift-rollout-admin-token';

interface Run { code: number; stdout: string; stderr: string }

function berth(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(path.join(root, 'src/bin/node'), [path.join(root, 'src/cli/main.ts'), ...args], { env: { ...process.env, NO_COLOR: '1', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('drift during a rollout', () => {
  it('is reported while the rollout is followed, and `berth diff` exits 4 when nobody could check', { timeout: 240_000 }, async (t) => {
    const { namespace, rest, root: dir, repository, repoURL } = await integrationSetUp(t, 'drift-rollout');
    const commit = await commitFiles(repository, {
      'apps/web/deployment.yaml': dump({
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace },
        spec: {
          replicas: 1, selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' }, annotations: { [neverReadyAnnotation]: 'true' } },
            spec: { containers: [{ name: 'web', image: 'registry.example/web:1' }] },
          },
        },
      }),
      'apps/web/service.yaml': dump({
        apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace },
        spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      }),
    }, 'first');
    const unreachable = `http://127.0.0.1:${await freePort()}/deploy.git`;
    const application = (name: string, url: string): Record<string, unknown> => ({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
      spec: {
        source: { repoURL: url, targetRevision: 'main', path: 'apps/web' },
        destination: { namespace },
        // The rollout outlasts the test; only the managed-object watch can notice the deletion.
        syncPolicy: { automated: { prune: true, selfHeal: true }, pollInterval: '10m', rollback: { enabled: true, healthTimeout: '10m' } },
      },
    });
    const appsFile = path.join(dir, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({ apiVersion: 'v1', kind: 'List', items: [application('web', repoURL), application('lost', unreachable)] }));
    const prefix = uniqueName('berth-drift-rollout');
    cleanUpPrefix(t, prefix);
    const controller = startControllerProcess({ appsFile, queuePrefix: prefix, env: { BERTH_API_ADMIN_TOKENS: adminToken } });
    t.after(async () => { await controller.stop(); });
    const env = { BERTH_SERVER: await controller.baseUrl(), BERTH_TOKEN: adminToken };

    await controller.explain(eventually('the rollout to be followed', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Progressing' && record.state.revision === commit ? true : undefined;
    }, { timeoutMs: 60_000 }));
    const servicePath = `/api/v1/namespaces/${namespace}/services/web`;
    await rest.request('DELETE', servicePath);

    const drifted = await controller.explain(eventually('`berth diff` to report the deleted Service', async () => {
      const run = await berth(env, 'diff', `${namespace}/web`, '-o', 'json');
      return run.code === 1 ? run : undefined;
    }, { timeoutMs: 60_000 }));
    const report = JSON.parse(drifted.stdout) as { status: string; objects: { kind: string; name: string; status: string }[] };
    assert.equal(report.status, 'OutOfSync');
    assert.deepEqual(report.objects.filter((object) => object.status !== 'Synced').map(({ kind, name, status }) => `${kind}/${name}: ${status}`), ['Service/web: Missing']);
    const text = await berth(env, 'diff', `${namespace}/web`);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /Service/);

    const during = await readRelease(rest, namespace, 'web');
    assert.equal(during?.state.status, 'Progressing', 'the drift was found while the rollout was still followed');
    assert.ok(!during.history.some((entry) => entry.message.startsWith('self-heal:')), 'nothing is healed during a rollout');

    // An Application whose repository cannot be reached has no drift report: `berth diff` cannot say.
    const lost = await controller.explain(eventually('the unreachable Application to be reconciled', async () => {
      const run = await berth(env, 'status', `${namespace}/lost`, '-o', 'json');
      const detail = JSON.parse(run.stdout || '{}') as { status?: { conditions?: { message: string }[] } };
      return detail.status?.conditions?.some((condition) => condition.message.length > 0) ? true : undefined;
    }, { timeoutMs: 60_000 }));
    assert.equal(lost, true);
    const unknown = await berth(env, 'diff', `${namespace}/lost`);
    assert.equal(unknown.code, 4, `${unknown.stdout}${unknown.stderr}`);
    assert.match(unknown.stderr, /no drift report yet/);
    const unknownJson = await berth(env, 'diff', `${namespace}/lost`, '-o', 'json');
    assert.equal(unknownJson.code, 4);
  });
});
