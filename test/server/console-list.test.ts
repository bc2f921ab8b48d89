/**
 * The console's list at 10,000 Applications in the real Redis: their statuses
 * are written through the real status store (as reconciles on any replica
 * write them), and a replica that starts afterwards serves pages, filters and
 * counts from the rows it loaded once, without reading each status. The page
 * size is capped and the cursor walks every Application exactly once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { ApplicationStatus } from '../../src/application/index.ts';
import { RedisStatusStore } from '../../src/server/status-store.ts';
import { redisUrl, uniqueName } from '../harness/env.ts';
import { adminToken, application, startConsoleServer } from './console-fixtures.ts';

const total = 10_000;
const nameOf = (index: number): string => `app-${String(index).padStart(5, '0')}`;
const namespaceOf = (index: number): string => `team-${index % 10}`;

function statusOf(index: number): ApplicationStatus {
  const revision = (index % 16).toString(16).repeat(40);
  const sync = index % 25 === 0 ? 'OutOfSync' : 'Synced';
  const health = index % 100 === 7 ? 'Degraded' : index % 50 === 3 ? 'Progressing' : 'Healthy';
  return {
    sync: { status: sync, revision }, health: { status: health, ...(health === 'Degraded' ? { message: 'Deployment api: ProgressDeadlineExceeded' } : {}) },
    // A status of realistic weight: 20 objects and a few history entries, none of which a list page needs.
    resources: Array.from({ length: 20 }, (_, object) => ({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: namespaceOf(index), name: `d${object}`, status: 'Synced' as const, health: { status: 'Healthy' as const } })),
    history: [{ id: 1, revision, initiator: 'auto', phase: 'Succeeded', startedAt: '2026-12-01T10:00:00Z', finishedAt: '2026-12-01T10:00:05Z', message: 'synced' }],
  };
}

const auth = { authorization: `Bearer ${adminToken}` };

interface Page { items: { key: string; sync: string; health: string; revision: { short: string } | null }[]; nextCursor: string | null; counts: { total: number; matching: number; sync: Record<string, number>; health: Record<string, number>; namespaces: Record<string, number> } }

describe('the console list at 10,000 Applications', () => {
  it('serves small pages, filters and counts from rows loaded once, and walks every Application once', async (t) => {
    const prefix = uniqueName('berth-console-list');
    const writerRedis = new Redis(redisUrl());
    t.after(() => { writerRedis.disconnect(); });
    const writer = new RedisStatusStore(writerRedis, { prefix });
    const writeStarted = performance.now();
    for (let start = 0; start < total; start += 500) {
      await Promise.all(Array.from({ length: Math.min(500, total - start) }, (_, offset) => {
        const index = start + offset;
        return writer.saveStatus(`${namespaceOf(index)}/${nameOf(index)}`, statusOf(index), new Date());
      }));
    }
    t.diagnostic(`wrote ${total} statuses in ${Math.round(performance.now() - writeStarted)} ms`);

    const apps = Array.from({ length: total }, (_, index) => application(namespaceOf(index), nameOf(index)));
    const loadStarted = performance.now();
    const server = await startConsoleServer(t, { prefix, apps });
    t.diagnostic(`replica started (registry and ${total} rows loaded) in ${Math.round(performance.now() - loadStarted)} ms`);

    // Count the Redis commands a page costs: none, the rows are in memory.
    const before = Number(/total_commands_processed:(\d+)/.exec(await server.redis.info('stats'))?.[1]);
    const timings: number[] = [];
    let first: Page | undefined;
    for (let round = 0; round < 5; round += 1) {
      const started = performance.now();
      const response = await fetch(`${server.base}/api/v1/console/applications?limit=100`, { headers: auth });
      first = await response.json() as Page;
      timings.push(performance.now() - started);
    }
    const after = Number(/total_commands_processed:(\d+)/.exec(await server.redis.info('stats'))?.[1]);
    t.diagnostic(`first page of 100 from ${total}: ${timings.map((ms) => Math.round(ms)).join(', ')} ms; Redis commands for 5 pages: ${after - before - 1}`);
    assert.ok(after - before <= 2, `a page reads nothing from Redis (the INFO itself counts one), saw ${after - before}`);
    assert.ok(first);
    assert.equal(first.items.length, 100);
    assert.equal(first.items[0]?.key, 'team-0/app-00000');
    assert.equal(first.counts.total, total);
    assert.equal(first.counts.sync.OutOfSync, total / 25);
    assert.equal(first.counts.health.Degraded, total / 100);
    assert.equal(first.counts.health.Progressing, total / 50);
    assert.equal(Object.keys(first.counts.namespaces).length, 10);
    const [top] = first.items;
    assert.equal(top.revision?.short, '0000000');

    const degraded = await (await fetch(`${server.base}/api/v1/console/applications?health=Degraded&namespace=team-7&limit=500`, { headers: auth })).json() as Page;
    assert.equal(degraded.counts.matching, total / 100, 'every Degraded one is in team-7 (index % 100 === 7)');
    assert.equal(degraded.items.length, total / 100);
    assert.ok(degraded.items.every((item) => item.health === 'Degraded' && item.key.startsWith('team-7/')));

    const text = await (await fetch(`${server.base}/api/v1/console/applications?q=app-0999&sync=Synced,OutOfSync`, { headers: auth })).json() as Page;
    assert.deepEqual(text.items.map((item) => item.key).sort(), Array.from({ length: 10 }, (_, digit) => `${namespaceOf(9990 + digit)}/app-0999${digit}`).sort());

    // The whole list through the cursor, 500 at a time (the cap): every Application once, in order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await (await fetch(`${server.base}/api/v1/console/applications?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth })).json() as Page;
      assert.ok(page.items.length <= 500);
      seen.push(...page.items.map((item) => item.key));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.equal(seen.length, total);
    assert.equal(new Set(seen).size, total);
    assert.deepEqual(seen, [...seen].sort());

    const tooBig = await fetch(`${server.base}/api/v1/console/applications?limit=5000`, { headers: auth });
    assert.equal(tooBig.status, 400);
    assert.match(((await tooBig.json()) as { detail: string }).detail, /query\.limit/);
  });
});
