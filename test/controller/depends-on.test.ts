/**
 * spec.dependsOn on the real control plane (issue 18): three Applications in a
 * chain (db <- api <- web) sync in order on first deploy and again after a
 * change to the first, each waiting, with a DependenciesReady condition saying
 * on what, until the one before it is Healthy at its current revision; the wait
 * ends through the queue when the dependency's release moves. The db carries a
 * cert-manager Certificate whose status the test writes, so "not Healthy yet"
 * lasts as long as the test wants. Two Applications that depend on each other
 * are refused with the cycle named and never apply anything.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import type { KubeObject } from '../../objects.ts';
import { createRestClient, KubeApiError, type RestClient } from '../../src/kube/rest.ts';
import { testKubeConfig, testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { installCertificateCrd } from '../health/install-certificate-crd.ts';
import { startControllerProcess, type ControllerProcess } from './controller-process.ts';
import { configMapYaml, readRelease } from './replica-fixtures.ts';

const adminToken = 'depends-on-admin-token';

interface Condition { type: string; status: string; reason?: string; message?: string }

async function conditionOf(controller: ControllerProcess, namespace: string, name: string, type: string): Promise<Condition | undefined> {
  const response = await fetch(`${await controller.baseUrl()}/api/v1/namespaces/${namespace}/applications/${name}`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (!response.ok) return undefined;
  const body = await response.json() as { status?: { conditions?: Condition[] }; conditions?: Condition[] };
  return (body.status?.conditions ?? body.conditions ?? []).find((condition) => condition.type === type);
}

function certificateYaml(namespace: string, dnsNames: string[]): string {
  return dump({
    apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'db-tls', namespace },
    spec: { secretName: 'db-tls', dnsNames, issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt' } },
  });
}

async function certificateGeneration(rest: RestClient, namespace: string): Promise<number | undefined> {
  try {
    return ((await rest.request('GET', `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/db-tls`)).body as KubeObject).metadata.generation;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

async function certificateReady(rest: RestClient, namespace: string, generation: number): Promise<void> {
  await rest.request('PATCH', `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/db-tls/status`, {
    contentType: 'application/merge-patch+json',
    body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired', observedGeneration: generation, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }] } },
  });
}

describe('spec.dependsOn', () => {
  it('syncs a chain of three in order, on first deploy and after a change to the first; refuses a cycle', { timeout: 420_000 }, async (t) => {
    const namespace = await testNamespace(t, 'depends-on');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    await installCertificateCrd(rest);
    const root = await tempDir('berth-depends-on-git-');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });

    const first = await commitFiles(repository, {
      'apps/db/certificate.yaml': certificateYaml(namespace, ['db.example.com']),
      'apps/db/config.yaml': configMapYaml(namespace, 'db', 'one'),
      'apps/api/config.yaml': configMapYaml(namespace, 'api', 'one'),
      'apps/web/config.yaml': configMapYaml(namespace, 'web', 'one'),
      'apps/loop-a/config.yaml': configMapYaml(namespace, 'loop-a', 'one'),
      'apps/loop-b/config.yaml': configMapYaml(namespace, 'loop-b', 'one'),
    }, 'three in a chain, two in a loop');
    const application = (name: string, dependsOn: object[]): object => ({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
      spec: {
        source: { repoURL: server.url('deploy'), targetRevision: 'main', path: `apps/${name}` },
        destination: { namespace },
        syncPolicy: { automated: { prune: true }, pollInterval: '5s', rollback: { enabled: true, healthTimeout: '5m' } },
        dependsOn,
      },
    });
    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({
      apiVersion: 'v1', kind: 'List', items: [
        application('db', []),
        application('api', [{ name: 'db' }]),
        application('web', [{ name: 'api', readyExpr: `self.status.release.status == 'Healthy'` }]),
        application('loop-a', [{ name: 'loop-b' }]),
        application('loop-b', [{ name: 'loop-a' }]),
      ],
    }));
    const controller = startControllerProcess({ appsFile, env: { BERTH_API_ADMIN_TOKENS: adminToken } });
    t.after(async () => { await controller.stop(); });

    // First deploy: db rolls out and waits for its Certificate; api waits for db, saying so.
    await controller.explain(eventually('db to wait for its Certificate', async () => {
      const db = await readRelease(rest, namespace, 'db');
      return db?.state.status === 'Progressing' && db.state.revision === first && await certificateGeneration(rest, namespace) !== undefined ? true : undefined;
    }, { timeoutMs: 90_000 }));
    const apiWaits = await controller.explain(eventually('api to say it waits for db', async () => {
      const condition = await conditionOf(controller, namespace, 'api', 'DependenciesReady');
      return condition?.status === 'False' && condition.message?.includes(`waiting for ${namespace}/db (its release is Progressing`) ? condition : undefined;
    }, { timeoutMs: 60_000 }));
    assert.equal(apiWaits.reason, 'Waiting');
    assert.equal((await readRelease(rest, namespace, 'api'))?.appliedRevision, undefined, 'api applies nothing while db is not Healthy');
    assert.equal((await readRelease(rest, namespace, 'web'))?.appliedRevision, undefined, 'web applies nothing while api has not synced');

    const readyAt = Date.now();
    await certificateReady(rest, namespace, await certificateGeneration(rest, namespace) ?? 1);
    const [api, web] = await controller.explain(eventually('api, then web, to be Healthy at the first commit', async () => {
      const apiRecord = await readRelease(rest, namespace, 'api');
      const webRecord = await readRelease(rest, namespace, 'web');
      return apiRecord?.state.status === 'Healthy' && webRecord?.state.status === 'Healthy' && webRecord.appliedRevision === first ? [apiRecord, webRecord] as const : undefined;
    }, { timeoutMs: 90_000 }));
    const apiSync = api.history.find((entry) => entry.revision === first && entry.phase === 'Succeeded');
    const webSync = web.history.find((entry) => entry.revision === first && entry.phase === 'Succeeded');
    assert.ok(apiSync && webSync, 'both synced the first commit');
    assert.ok(Date.parse(apiSync.startedAt) >= readyAt - 1000, `api synced at ${apiSync.startedAt}, before db was Healthy (${new Date(readyAt).toISOString()})`);
    assert.ok(Date.parse(webSync.startedAt) >= Date.parse(apiSync.finishedAt ?? apiSync.startedAt) - 1000, `web synced at ${webSync.startedAt}, before api (${apiSync.finishedAt ?? ''})`);
    // The status is published just after the record is saved: wait for it rather than race it.
    await controller.explain(eventually('web to say its dependencies are ready', async () =>
      (await conditionOf(controller, namespace, 'web', 'DependenciesReady'))?.status === 'True' || undefined, { timeoutMs: 30_000 }));

    // A change to the first: db rolls it out; api and web (their paths untouched) wait for db to be Healthy at it.
    const second = await commitFiles(repository, { 'apps/db/certificate.yaml': certificateYaml(namespace, ['db.example.com', 'db2.example.com']) }, 'db changes');
    const secondGeneration = await controller.explain(eventually('db to roll out the second commit', async () => {
      const db = await readRelease(rest, namespace, 'db');
      const generation = await certificateGeneration(rest, namespace);
      return db?.state.status === 'Progressing' && db.state.revision === second && (generation ?? 0) > 1 ? generation : undefined;
    }, { timeoutMs: 90_000 }));
    await controller.explain(eventually('api to say it waits for db at the second commit', async () => {
      const condition = await conditionOf(controller, namespace, 'api', 'DependenciesReady');
      return condition?.status === 'False' && condition.message?.includes(`waiting for ${namespace}/db (its release is Progressing at ${second.slice(0, 7)}`) ? condition : undefined;
    }, { timeoutMs: 60_000 }));
    assert.equal((await readRelease(rest, namespace, 'api'))?.appliedRevision, first, 'api stays at the first commit while db rolls out the second');
    assert.equal((await readRelease(rest, namespace, 'web'))?.appliedRevision, first);

    await certificateReady(rest, namespace, secondGeneration);
    await controller.explain(eventually('api and web to follow db to the second commit', async () => {
      const apiRecord = await readRelease(rest, namespace, 'api');
      const webRecord = await readRelease(rest, namespace, 'web');
      return apiRecord?.appliedRevision === second && webRecord?.appliedRevision === second && webRecord.state.status === 'Healthy' ? true : undefined;
    }, { timeoutMs: 90_000 }));
    assert.equal((await readRelease(rest, namespace, 'db'))?.state.lastHealthyRevision, second);

    // The loop: refused with the cycle named, nothing applied.
    const refused = await controller.explain(eventually('loop-a to be refused for the cycle', async () => {
      const condition = await conditionOf(controller, namespace, 'loop-a', 'DependenciesReady');
      return condition?.reason === 'DependencyCycle' ? condition : undefined;
    }, { timeoutMs: 60_000 }));
    assert.equal(refused.status, 'False');
    assert.equal(refused.message, `dependency cycle: ${namespace}/loop-a -> ${namespace}/loop-b -> ${namespace}/loop-a; nothing is synced until spec.dependsOn breaks it`);
    assert.equal((await readRelease(rest, namespace, 'loop-a'))?.appliedRevision, undefined);
    assert.equal((await readRelease(rest, namespace, 'loop-b'))?.appliedRevision, undefined);
    await assert.rejects(rest.request('GET', `/api/v1/namespaces/${namespace}/configmaps/loop-a`), (error: unknown) => error instanceof KubeApiError && error.status === 404);
  });
});
