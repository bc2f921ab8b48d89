import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExposition, samplesOf, valueOf, type Sample } from '../../test/metrics/exposition.ts';
import { createMetrics, type BerthMetrics } from './metrics.ts';

async function scrape(metrics: BerthMetrics): Promise<Sample[]> {
  return parseExposition((await metrics.render()).body);
}

describe('Berth metrics', () => {
  it('serves the Prometheus text format with default process metrics on its own registry', async () => {
    const metrics = createMetrics();
    const { contentType, body } = await metrics.render();
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(body);
    assert.ok((valueOf(samples, 'process_resident_memory_bytes') ?? 0) > 0);
    assert.ok(samplesOf(samples, 'nodejs_heap_size_used_bytes').length === 1);

    const bare = createMetrics({ defaultMetrics: false });
    assert.equal(samplesOf(await scrape(bare), 'process_resident_memory_bytes').length, 0);
  });

  it('counts syncs and rollbacks and observes reconcile and sync durations', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.synced('Succeeded', 1.5);
    metrics.synced('Succeeded', 0.2);
    metrics.synced('Failed', 3);
    metrics.rolledBack();
    metrics.reconciled('success', 0.4);
    metrics.reconciled('error', 0.1);
    const samples = await scrape(metrics);
    assert.equal(valueOf(samples, 'berth_syncs_total', { result: 'succeeded' }), 2);
    assert.equal(valueOf(samples, 'berth_syncs_total', { result: 'failed' }), 1);
    assert.equal(valueOf(samples, 'berth_rollbacks_total'), 1);
    assert.equal(valueOf(samples, 'berth_sync_duration_seconds_count'), 3);
    assert.ok(Math.abs((valueOf(samples, 'berth_sync_duration_seconds_sum') ?? 0) - 4.7) < 1e-9);
    assert.equal(valueOf(samples, 'berth_sync_duration_seconds_bucket', { le: '1' }), 1);
    assert.equal(valueOf(samples, 'berth_reconcile_duration_seconds_count', { result: 'success' }), 1);
    assert.equal(valueOf(samples, 'berth_reconcile_duration_seconds_count', { result: 'error' }), 1);
  });

  it('times Git operations and renders by type, counting failures apart', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.gitOperation('list-refs', 0.02, true);
    metrics.gitOperation('fetch', 0.3, true);
    metrics.gitOperation('fetch', 5, false);
    metrics.rendered('kustomize', 0.8, true);
    metrics.rendered('helm', 1.2, false);
    metrics.rendered(undefined, 0.01, false);
    const samples = await scrape(metrics);
    assert.equal(valueOf(samples, 'berth_git_fetch_duration_seconds_count', { operation: 'fetch' }), 2);
    assert.equal(valueOf(samples, 'berth_git_fetch_duration_seconds_count', { operation: 'list-refs' }), 1);
    assert.equal(valueOf(samples, 'berth_git_fetch_failures_total', { operation: 'fetch' }), 1);
    assert.equal(valueOf(samples, 'berth_render_duration_seconds_count', { source_type: 'kustomize' }), 1);
    assert.equal(valueOf(samples, 'berth_render_failures_total', { source_type: 'helm' }), 1);
    assert.equal(valueOf(samples, 'berth_render_failures_total', { source_type: 'unknown' }), 1);
    assert.equal(valueOf(samples, 'berth_render_failures_total', { source_type: 'kustomize' }), undefined);
  });

  it('counts Kubernetes API requests by verb and code, and requests that got no answer', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.kubeApiResponse('PATCH', 200);
    metrics.kubeApiResponse('patch', 200);
    metrics.kubeApiResponse('GET', 404);
    metrics.kubeApiResponse('GET', undefined);
    metrics.kubeApiResponse('BREW', 418);
    metrics.kubeApiResponse('GET', 503, 'prod-eu');
    const samples = await scrape(metrics);
    assert.equal(valueOf(samples, 'berth_kube_api_requests_total', { verb: 'PATCH', code: '200' }), 2);
    assert.equal(valueOf(samples, 'berth_kube_api_requests_total', { verb: 'GET', code: '404' }), 1);
    assert.equal(valueOf(samples, 'berth_kube_api_requests_total', { verb: 'GET', code: '<error>' }), 1);
    assert.equal(valueOf(samples, 'berth_kube_api_requests_total', { verb: 'OTHER', code: '418' }), 1);
    assert.equal(valueOf(samples, 'berth_kube_api_requests_total', { verb: 'GET', code: '404', cluster: 'in-cluster' }), 1);
    assert.equal(valueOf(samples, 'berth_kube_api_requests_total', { verb: 'GET', code: '503', cluster: 'prod-eu' }), 1);
  });

  it('counts webhook requests by known provider, folding unknown names and odd results', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.webhookRequest('GitHub', 'accepted');
    metrics.webhookRequest('forgejo', 'unauthorized');
    metrics.webhookRequest('made-up', 'accepted');
    metrics.webhookRequest('github', 'a result with spaces');
    const samples = await scrape(metrics);
    assert.equal(valueOf(samples, 'berth_webhook_requests_total', { provider: 'github', result: 'accepted' }), 1);
    assert.equal(valueOf(samples, 'berth_webhook_requests_total', { provider: 'gitea', result: 'unauthorized' }), 1);
    assert.equal(valueOf(samples, 'berth_webhook_requests_total', { provider: 'unknown', result: 'accepted' }), 1);
    assert.equal(valueOf(samples, 'berth_webhook_requests_total', { provider: 'github', result: 'other' }), 1);
  });

  it('keeps one info series per Application, replacing the old label set and removing it on deregistration', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const web = { namespace: 'shop', name: 'web' };
    metrics.applicationStatus(web, { syncStatus: 'OutOfSync', healthStatus: 'Missing', revision: undefined });
    metrics.applicationStatus({ namespace: 'shop', name: 'api' }, { syncStatus: 'Synced', healthStatus: 'Healthy', revision: 'aaa' });
    metrics.applicationStatus(web, { syncStatus: 'Synced', healthStatus: 'Progressing', revision: 'bbb' });

    let series = samplesOf(await scrape(metrics), 'berth_application_info', { namespace: 'shop', name: 'web' });
    assert.deepEqual(series, [{
      name: 'berth_application_info', value: 1,
      labels: { namespace: 'shop', name: 'web', sync_status: 'Synced', health_status: 'Progressing', revision: 'bbb' },
    }]);

    metrics.applicationRemoved(web);
    const samples = await scrape(metrics);
    series = samplesOf(samples, 'berth_application_info', { name: 'web' });
    assert.deepEqual(series, []);
    assert.equal(valueOf(samples, 'berth_application_info', { name: 'api', sync_status: 'Synced' }), 1);
  });

  it('reads the queue depth on every scrape', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    assert.deepEqual(samplesOf(await scrape(metrics), 'berth_queue_jobs'), []);
    let waiting = 3;
    metrics.trackQueue(() => Promise.resolve({ waiting, active: 1, failed: 0 }));
    let samples = await scrape(metrics);
    assert.equal(valueOf(samples, 'berth_queue_jobs', { state: 'waiting' }), 3);
    assert.equal(valueOf(samples, 'berth_queue_jobs', { state: 'active' }), 1);
    assert.equal(valueOf(samples, 'berth_queue_jobs', { state: 'failed' }), 0);
    waiting = 0;
    samples = await scrape(metrics);
    assert.equal(valueOf(samples, 'berth_queue_jobs', { state: 'waiting' }), 0);
  });

  it('answers a scrape within the timeout when Redis does not answer, without a stale queue depth', async () => {
    const metrics = createMetrics({ defaultMetrics: false, queueDepthTimeoutMs: 100 });
    let hang = false;
    metrics.trackQueue(() => hang ? new Promise(() => undefined) : Promise.resolve({ waiting: 5 }));
    assert.equal(valueOf(await scrape(metrics), 'berth_queue_jobs', { state: 'waiting' }), 5);

    hang = true;
    const started = performance.now();
    let samples = await scrape(metrics);
    assert.ok(performance.now() - started < 2_000, 'the scrape waited for a dead Redis');
    assert.deepEqual(samplesOf(samples, 'berth_queue_jobs'), []);
    assert.equal(valueOf(samples, 'berth_queue_depth_collect_failures_total'), 1);

    metrics.trackQueue(() => Promise.reject(new Error('Connection is closed.')));
    samples = await scrape(metrics);
    assert.deepEqual(samplesOf(samples, 'berth_queue_jobs'), []);
    assert.equal(valueOf(samples, 'berth_queue_depth_collect_failures_total'), 2);
  });

  it('never puts credentials from a URL-like value into a label', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const secret = 's3cr3t-token';
    metrics.applicationStatus(
      { namespace: 'shop', name: `https://deploy:${secret}@git.example.com/team/deploy.git` },
      { syncStatus: `https://x-access-token:${secret}@github.com`, healthStatus: 'Healthy', revision: `http://user:${secret}@host/` },
    );
    metrics.webhookRequest(`https://user:${secret}@evil.example`, `https://user:${secret}@evil.example`);
    metrics.synced(`https://user:${secret}@evil.example`, 1);
    metrics.trackQueue(() => Promise.resolve({ [`https://u:${secret}@h`]: 1 }));
    const { body } = await metrics.render();
    assert.ok(!body.includes(secret), body);
    const info = samplesOf(parseExposition(body), 'berth_application_info');
    assert.deepEqual(info.map((sample) => [sample.labels['name'], sample.labels['revision']]), [['https://git.example.com/team/deploy.git', 'http://host/']]);
  });

  it('keeps two instances apart (no global registry)', async () => {
    const one = createMetrics({ defaultMetrics: false });
    const two = createMetrics({ defaultMetrics: false });
    one.rolledBack();
    assert.equal(valueOf(await scrape(one), 'berth_rollbacks_total'), 1);
    assert.equal(valueOf(await scrape(two), 'berth_rollbacks_total'), 0);
  });
});
