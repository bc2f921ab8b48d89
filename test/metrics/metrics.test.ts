/**
 * GET /metrics of a real controller process (real control plane, Redis, and a
 * Git server over HTTP that asks for credentials) after it synced one
 * Application: the series an operator alerts on are there, with sane labels,
 * and neither the repository URL nor its password shows up anywhere.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { testNamespace } from '../harness/env.ts';
import { servedRepository } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { parseExposition, samplesOf, valueOf, type Sample } from './exposition.ts';

const sum = (samples: readonly Sample[]): number => samples.reduce((total, sample) => total + sample.value, 0);

describe('the controller\'s /metrics', () => {
  it('reports the sync, the Application, API requests, Git and the queue after one Application synced', { timeout: 180_000 }, async (t) => {
    const namespace = await testNamespace(t, 'metrics');
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    const { root, repository, server } = await servedRepository(t, 'metrics', { username: 'deployer', password });
    const commit = await commitFiles(repository, {
      'apps/web/config.yaml': dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-settings', namespace }, data: { greeting: 'hello' } }),
    }, 'first');

    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
      spec: {
        source: { repoURL: server.url('deploy'), targetRevision: 'main', path: 'apps/web' },
        destination: { namespace },
        syncPolicy: { automated: { prune: true }, pollInterval: '1m' },
      },
    }));
    // Controller-wide Git credentials go only to the hosts named for them (0257eeb).
    const gitHost = new URL(server.url('deploy')).host;
    const controller = startControllerProcess({ appsFile, env: { BERTH_GIT_USERNAME: 'deployer', BERTH_GIT_PASSWORD: password, BERTH_GIT_CREDENTIAL_HOSTS: gitHost } });
    t.after(async () => { await controller.stop(); });

    const listen = await controller.explain(eventually('the controller to listen', () => Promise.resolve(
      controller.logLines().find((line) => line['msg'] === 'controller started')?.['listen'] as string | undefined)));
    const scrape = async (): Promise<{ body: string; contentType: string; samples: Sample[] }> => {
      const response = await fetch(`http://${listen}/metrics`);
      assert.equal(response.status, 200);
      const body = await response.text();
      return { body, contentType: response.headers.get('content-type') ?? '', samples: parseExposition(body) };
    };

    const { body, contentType, samples } = await controller.explain(eventually('the Application to be reported Synced', async () => {
      const scraped = await scrape();
      const info = samplesOf(scraped.samples, 'berth_application_info', { namespace, name: 'web', sync_status: 'Synced' });
      // The status is published inside the reconcile, its duration counted once it returns: wait for both.
      const reconciled = valueOf(scraped.samples, 'berth_reconcile_duration_seconds_count', { result: 'success' }) ?? 0;
      return info.length === 1 && reconciled >= 1 ? scraped : undefined;
    }, { timeoutMs: 90_000 }));

    assert.match(contentType, /^text\/plain/);
    assert.deepEqual(samplesOf(samples, 'berth_application_info', { namespace, name: 'web' }).map((sample) => [sample.labels['revision'], sample.value]), [[commit, 1]]);
    assert.ok((valueOf(samples, 'berth_syncs_total', { result: 'succeeded' }) ?? 0) >= 1, 'berth_syncs_total{result="succeeded"}');
    assert.ok((valueOf(samples, 'berth_sync_duration_seconds_count') ?? 0) >= 1);
    assert.ok((valueOf(samples, 'berth_reconcile_duration_seconds_count', { result: 'success' }) ?? 0) >= 1);
    assert.ok(sum(samplesOf(samples, 'berth_kube_api_requests_total', { verb: 'PATCH' })) >= 1, 'a PATCH to the Kubernetes API');
    assert.ok(sum(samplesOf(samples, 'berth_kube_api_requests_total', { verb: 'GET', code: '200' })) >= 1);
    assert.ok((valueOf(samples, 'berth_git_fetch_duration_seconds_count', { operation: 'fetch' }) ?? 0) >= 1, 'a timed Git fetch');
    assert.ok((valueOf(samples, 'berth_git_fetch_duration_seconds_count', { operation: 'list-refs' }) ?? 0) >= 1);
    assert.ok((valueOf(samples, 'berth_render_duration_seconds_count', { source_type: 'directory' }) ?? 0) >= 1);
    assert.equal(valueOf(samples, 'berth_rollbacks_total'), 0);
    // Read from Redis on each scrape: every state is there, and nothing is stuck.
    for (const state of ['waiting', 'active', 'delayed', 'failed']) assert.notEqual(valueOf(samples, 'berth_queue_jobs', { state }), undefined, state);
    assert.equal(valueOf(samples, 'berth_queue_jobs', { state: 'failed' }), 0);
    assert.ok((valueOf(samples, 'process_resident_memory_bytes') ?? 0) > 0);

    assert.ok(!body.includes(password), 'the Git password is in /metrics');
    assert.ok(!body.includes(server.url('deploy').replace(/^http:\/\//, '').split('/')[0] ?? 'never'), 'the Git server address is in /metrics');
  });
});
