/**
 * The API's read model in a real Redis: what one replica's status sink writes,
 * another replica's API reads, with a TTL on every key, and delivery ids taken
 * once across replicas.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createStatusSink } from '../../src/controller/status-sink.ts';
import { createAppRegistry, type RegisteredApp } from '../../src/application/app-registry.ts';
import { createLogger } from '../../src/log.ts';
import { RedisDeliveryLog } from '../../src/server/delivery-log.ts';
import { RedisStatusStore } from '../../src/server/status-store.ts';
import { redisUrl, uniqueName } from '../harness/env.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';

function registeredApp(): Extract<RegisteredApp, { valid: true }> {
  const app = createAppRegistry().upsert({
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace: 'shop' },
    spec: { source: { repoURL: 'https://git.example.com/deploy.git', targetRevision: 'main', path: 'web' }, destination: { namespace: 'shop' } },
  }, 'file', 'test');
  assert.ok(app.valid);
  return app;
}

describe('the status store in Redis', () => {
  it('lets every replica read what one replica published, and keeps the last operation across status writes', async (t) => {
    const prefix = uniqueName('berth-status');
    cleanUpPrefix(t, prefix);
    const writerRedis = new Redis(redisUrl());
    const readerRedis = new Redis(redisUrl());
    t.after(() => { writerRedis.disconnect(); readerRedis.disconnect(); });
    const writer = new RedisStatusStore(writerRedis, { prefix });
    const reader = new RedisStatusStore(readerRedis, { prefix });
    const sink = createStatusSink(undefined, createLogger('silent'), writer);
    const app = registeredApp();

    await sink.operation(app.key, { kind: 'sync', dryRun: true, revision: 'a'.repeat(40), phase: 'Succeeded', message: 'dry run', finishedAt: '2026-01-01T00:00:00Z' });
    const drift = {
      status: 'OutOfSync' as const, counts: { Synced: 0, OutOfSync: 1, Missing: 0, Extraneous: 0 },
      objects: [{ ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'web' }, status: 'OutOfSync' as const, patch: [], diff: '-a\n+b\n' }],
      fallbacks: [], timings: { totalMs: 0, clusterMs: 0, diffMs: 0, dryRuns: 0, dryRunFailures: 0, gets: 0, lists: 0, retries: 0 },
    };
    await sink.publish(app, { sync: { status: 'OutOfSync', revision: 'b'.repeat(40) }, health: { status: 'Healthy' } }, undefined, { drift, revision: 'c'.repeat(40) });

    const stored = await reader.status(app.key);
    assert.equal(stored?.status.sync?.status, 'OutOfSync');
    assert.equal(stored.lastOperation?.message, 'dry run', 'a status write keeps the last operation');
    const many = await reader.statuses([app.key, 'shop/ghost']);
    assert.deepEqual([...many.keys()], [app.key]);
    const report = await reader.drift(app.key);
    assert.equal(report?.revision, 'c'.repeat(40));
    assert.equal(report.objects[0]?.diff, '-a\n+b\n');
    for (const key of [reader.statusKey(app.key), reader.driftKey(app.key)]) {
      const ttl = await readerRedis.pttl(key);
      assert.ok(ttl > 0, `${key} has a TTL`);
    }
  });

  it('takes a delivery id once across replicas, and gives it back when its work could not be queued', async (t) => {
    const prefix = uniqueName('berth-deliveries');
    cleanUpPrefix(t, prefix);
    const one = new Redis(redisUrl());
    const two = new Redis(redisUrl());
    t.after(() => { one.disconnect(); two.disconnect(); });
    const [first, second] = [new RedisDeliveryLog(one, prefix), new RedisDeliveryLog(two, prefix)];
    const claims = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 ? first : second).claim('github', 'delivery-1')));
    assert.equal(claims.filter(Boolean).length, 1);
    assert.equal(await first.claim('gitlab', 'delivery-1'), true, 'ids are per provider');
    await second.release('github', 'delivery-1');
    assert.equal(await first.claim('github', 'delivery-1'), true);
  });
});
