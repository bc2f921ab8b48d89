/**
 * The release driver on the real control plane (kwok nodes run the pods):
 * a good rollout, a rollout that fails by its progress deadline and is rolled
 * back by itself, and a sync that finds nothing drifted and writes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { refKey, refOf } from '../../objects.ts';
import { testNamespace } from '../harness/env.ts';
import { application, auto, configMap, connect, deployment, drive, imageOf, ref, service, type Connection } from './release-driver.ts';

let connection: Connection;

describe('release on the control plane', { concurrency: true }, () => {
  before(async () => { connection = await connect(); });
  after(() => { connection.rest.close(); });

  it('ends a good rollout Healthy and records lastHealthyRevision', async (t) => {
    const namespace = await testNamespace(t, 'release-good');
    const app = application(connection, namespace);
    app.revisions.set('c1', [deployment(namespace, 'web', 'web:1'), service(namespace, 'web'), configMap(namespace, 'settings', { mode: 'fast' })]);

    const steps = await drive(app, auto('c1'));
    const { state } = app.record;
    assert.equal(state.status, 'Healthy', state.message);
    assert.equal(state.lastHealthyRevision, 'c1');
    assert.equal(app.record.appliedRevision, 'c1');
    assert.equal(steps.flatMap((s) => s.result.syncs).length, 1);
    const live = await connection.client.get(ref('apps/v1', 'Deployment', namespace, 'web'));
    assert.equal(imageOf(live), 'web:1');
    const status = live?.status as { availableReplicas?: number } | undefined;
    assert.equal(status?.availableReplicas, 1, 'Healthy means the pod really is available');
    assert.deepEqual(app.record.history.map((e) => [e.revision, e.initiator, e.phase]), [['c1', 'auto', 'Succeeded']]);
  });

  it('rolls back a revision that never becomes ready, does not re-apply it, and syncs a later fix', async (t) => {
    const namespace = await testNamespace(t, 'release-rollback');
    const app = application(connection, namespace, { healthTimeoutMs: 45_000 });
    const web = ref('apps/v1', 'Deployment', namespace, 'web');
    app.revisions.set('good', [deployment(namespace, 'web', 'web:1'), service(namespace, 'web')]);
    app.revisions.set('broken', [deployment(namespace, 'web', 'web:2', { neverReady: true }), service(namespace, 'web')]);
    app.revisions.set('fixed', [deployment(namespace, 'web', 'web:3'), service(namespace, 'web')]);

    await drive(app, auto('good'));
    assert.equal(app.record.state.status, 'Healthy', app.record.state.message);

    const steps = await drive(app, { type: 'revision', revision: 'broken', initiator: 'webhook' });
    const { state } = app.record;
    assert.equal(state.status, 'Healthy', state.message);
    assert.equal(state.reason, 'RolledBack');
    assert.equal(state.revision, 'good');
    assert.equal(state.failedRevision, 'broken');
    assert.equal(state.lastHealthyRevision, 'good');
    assert.deepEqual(steps.flatMap((s) => s.result.syncs.map((sync) => sync.revision)), ['broken', 'good']);
    const failure = steps.flatMap((s) => s.result.checks).find((check) => check.kind === 'failed');
    assert.ok(failure?.kind === 'failed');
    assert.equal(failure.reason, 'Degraded', 'failed by the progress deadline, before the health timeout');
    assert.match(failure.message, /progress deadline exceeded/);
    assert.equal(imageOf(await connection.client.get(web)), 'web:1');
    assert.deepEqual(app.record.history.map((e) => [e.revision, e.initiator, e.phase]), [
      ['good', 'auto', 'Succeeded'],
      ['broken', 'webhook', 'Succeeded'],
      ['broken', 'webhook', 'Failed'],
      ['good', 'rollback', 'Succeeded'],
    ]);
    assert.match(app.record.history[2]?.message ?? '', /^rollout failed \(Degraded\)/);
    assert.equal(app.record.history[3]?.changes?.configured, 1, 'the rollback changed the Deployment back');

    // The tracked ref still points at the failed commit: nothing is written.
    const before = await connection.client.get(web);
    for (const initiator of ['auto', 'webhook'] as const) {
      const again = await drive(app, { type: 'revision', revision: 'broken', initiator });
      assert.deepEqual(again.flatMap((s) => s.result.actions), []);
    }
    const unchanged = await connection.client.get(web);
    assert.equal(unchanged?.metadata.resourceVersion, before?.metadata.resourceVersion);
    assert.equal(unchanged?.metadata.generation, before?.metadata.generation);

    await drive(app, auto('fixed'));
    assert.equal(app.record.state.status, 'Healthy', app.record.state.message);
    assert.equal(app.record.state.lastHealthyRevision, 'fixed');
    assert.equal(app.record.state.failedRevision, undefined);
    assert.equal(imageOf(await connection.client.get(web)), 'web:3');
  });

  it('patches nothing when the same revision is synced again', async (t) => {
    const namespace = await testNamespace(t, 'release-nodrift');
    const app = application(connection, namespace);
    const objects = [
      deployment(namespace, 'web', 'web:1'),
      service(namespace, 'web'),
      configMap(namespace, 'settings', { mode: 'fast' }),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token', namespace }, stringData: { token: 's3cret' } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'runner', namespace } },
    ];
    app.revisions.set('c1', objects);
    await drive(app, auto('c1'));
    assert.equal(app.record.state.status, 'Healthy', app.record.state.message);

    const refs = objects.map(refOf);
    const versions = async (): Promise<Record<string, string | undefined>> => Object.fromEntries(
      await Promise.all(refs.map(async (r) => [refKey(r), (await connection.client.get(r))?.metadata.resourceVersion] as const)),
    );
    const before = await versions();
    assert.ok(Object.values(before).every((v) => v !== undefined));
    // Other tests run in parallel on this connection: count only this namespace's writes.
    const writesHere = (): number => connection.calls.filter((c) => c.method !== 'get' && c.dryRun !== true && c.key.includes(`/${namespace}/`)).length;
    const writesBefore = writesHere();

    // A manual sync applies even though the revision is in hand; an automatic one would not even try.
    const steps = await drive(app, { type: 'revision', revision: 'c1', initiator: 'manual' });
    const sync = steps[0]?.result.syncs[0];
    assert.ok(sync);
    assert.deepEqual(sync.changeSet.map((e) => e.action), objects.map(() => 'unchanged'));
    assert.deepEqual(await versions(), before);
    assert.equal(writesHere(), writesBefore, 'no write request');
    assert.ok(connection.calls.some((c) => c.dryRun === true && c.key.includes(`/${namespace}/`)), 'the objects were compared by dry run');
    assert.equal(app.record.state.status, 'Healthy');
  });
});
