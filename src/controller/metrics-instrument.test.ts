import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReleaseStepResult, SyncResult } from '../../sync/index.ts';
import type { ApplicationStatus } from '../application/index.ts';
import { parseExposition, samplesOf, valueOf, type Sample } from '../../test/metrics/exposition.ts';
import { createAppRegistry, type RegisteredApp } from '../application/app-registry.ts';
import { createStatusSink } from './status-sink.ts';
import { createLogger } from '../log.ts';
import type { ReconcileContext } from '../queue/reconcile-job.ts';
import type { StatusWriter } from '../server/status-store.ts';
import { applicationName, forgettingRemoved, reportingStatus, timedReconcile } from './metrics-instrument.ts';
import { createMetrics, type BerthMetrics } from '../metrics/metrics.ts';

const log = createLogger('silent');
const commit = 'c'.repeat(40);

function application(name: string): unknown {
  return {
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace: 'shop' },
    spec: {
      source: { repoURL: 'https://git.example.com/team/deploy.git', targetRevision: 'main', path: `apps/${name}` },
      destination: { namespace: 'shop' },
      syncPolicy: { automated: { prune: true } },
    },
  };
}

/** The fields of a SyncResult the metrics read; the rest do not matter here. */
function sync(phase: 'Succeeded' | 'Failed', seconds: number, dryRun = false): SyncResult {
  return { revision: commit, phase, dryRun, startedAt: 1_000, finishedAt: 1_000 + seconds * 1000 } as SyncResult;
}

function valid(app: RegisteredApp): Extract<RegisteredApp, { valid: true }> {
  assert.ok(app.valid);
  return app;
}

/** A status store that keeps what it is given, to see the wrapped sink still publish. */
function keptStatuses(): { statuses: Map<string, ApplicationStatus>; writer: StatusWriter } {
  const statuses = new Map<string, ApplicationStatus>();
  return {
    statuses,
    writer: {
      saveStatus: (app, status) => { statuses.set(app, status); return Promise.resolve(); },
      saveDrift: () => Promise.resolve(),
      saveOperation: () => Promise.resolve(),
    },
  };
}

async function scrape(metrics: BerthMetrics): Promise<Sample[]> {
  return parseExposition((await metrics.render()).body);
}

describe('metrics wiring', () => {
  it('splits an Application key into namespace and name', () => {
    assert.deepEqual(applicationName('shop/web'), { namespace: 'shop', name: 'web' });
    assert.deepEqual(applicationName('web'), { namespace: '', name: 'web' });
  });

  it('counts the syncs and rollbacks of a published step, dry runs excluded, and publishes the status as before', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const registry = createAppRegistry();
    const app = valid(registry.upsert(application('web'), 'file', 'test'));
    const kept = keptStatuses();
    const sink = reportingStatus(createStatusSink(undefined, log, kept.writer), metrics, (key) => registry.get(key) !== undefined);
    const step: ReleaseStepResult = {
      events: [],
      actions: [{ kind: 'sync', revision: commit, initiator: 'auto' }, { kind: 'rollback', revision: 'b'.repeat(40), failedRevision: commit }],
      syncs: [sync('Failed', 2), sync('Succeeded', 0.5), sync('Succeeded', 9, true)],
      checks: [],
    };
    const status = { sync: { status: 'Synced' as const, revision: commit }, health: { status: 'Degraded' as const } };
    await sink.publish(app, status, step);

    assert.deepEqual(kept.statuses.get(app.key), status);
    const samples = await scrape(metrics);
    assert.equal(valueOf(samples, 'berth_syncs_total', { result: 'succeeded' }), 1);
    assert.equal(valueOf(samples, 'berth_syncs_total', { result: 'failed' }), 1);
    assert.equal(valueOf(samples, 'berth_sync_duration_seconds_count'), 2);
    assert.equal(valueOf(samples, 'berth_sync_duration_seconds_sum'), 2.5);
    assert.equal(valueOf(samples, 'berth_rollbacks_total'), 1);
    assert.deepEqual(samplesOf(samples, 'berth_application_info').map((sample) => sample.labels), [
      { namespace: 'shop', name: 'web', sync_status: 'Synced', health_status: 'Degraded', revision: commit },
    ]);
    assert.ok(!samples.some((sample) => Object.values(sample.labels).some((value) => value.includes('t0ken'))));
  });

  it('reports an invalid Application as Unknown, and drops the series when the Application is removed', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const registry = forgettingRemoved(createAppRegistry(), metrics);
    const sink = reportingStatus(createStatusSink(undefined, log), metrics, (key) => registry.get(key) !== undefined);
    const app = valid(registry.upsert(application('web'), 'file', 'test'));
    await sink.publish(app, { sync: { status: 'OutOfSync' } }, undefined);
    const broken = registry.upsert({ apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'api', namespace: 'shop' }, spec: {} }, 'file', 'test');
    assert.ok(!broken.valid);
    await sink.invalid(broken);

    let samples = await scrape(metrics);
    assert.equal(valueOf(samples, 'berth_application_info', { name: 'web', sync_status: 'OutOfSync', health_status: 'Unknown', revision: '' }), 1);
    assert.equal(valueOf(samples, 'berth_application_info', { name: 'api', sync_status: 'Unknown', health_status: 'Unknown' }), 1);

    assert.equal(registry.remove('shop/web'), true);
    // A reconcile that was already running finishes after the removal: no series comes back.
    await sink.publish(app, { sync: { status: 'Synced', revision: commit } }, undefined);
    samples = await scrape(metrics);
    assert.deepEqual(samplesOf(samples, 'berth_application_info', { name: 'web' }), []);
    assert.equal(samplesOf(samples, 'berth_application_info', { name: 'api' }).length, 1);
  });

  it('times reconciles by result: success, recheck, error', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const context: ReconcileContext = { signal: new AbortController().signal, jobId: '1', attempt: 1 };
    const outcomes = [{}, { recheckAt: Date.now() + 1_000 }, new Error('Deployment/shop/web: apply failed')];
    const reconcile = timedReconcile(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const next = outcomes.shift();
      if (next instanceof Error) throw next;
      return next ?? {};
    }, metrics);

    assert.deepEqual(await reconcile({ app: 'shop/web', reason: 'poll' }, context), {});
    assert.ok((await reconcile({ app: 'shop/web', reason: 'poll' }, context)).recheckAt);
    await assert.rejects(reconcile({ app: 'shop/web', reason: 'poll' }, context), /apply failed/);

    const samples = await scrape(metrics);
    for (const result of ['success', 'recheck', 'error']) {
      assert.equal(valueOf(samples, 'berth_reconcile_duration_seconds_count', { result }), 1, result);
      assert.ok((valueOf(samples, 'berth_reconcile_duration_seconds_sum', { result }) ?? 0) >= 0.015, result);
    }
  });
});
