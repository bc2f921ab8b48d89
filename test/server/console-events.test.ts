/**
 * Live updates through the real Redis: two status-store writers (two replicas'
 * connections) change two Applications, and an open event stream of a third
 * connection sees both within 2 s; a reconnect with Last-Event-ID gets what it
 * missed; the stream heartbeats; a session holds at most a few streams.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStatusStore } from '../../src/server/status-store.ts';
import { redisUrl } from '../harness/env.ts';
import { adminToken, application, signIn, startConsoleServer } from './console-fixtures.ts';

interface SseEvent { id?: string; event?: string; data?: string; comment?: string }

/** An open event stream, read as it arrives. */
async function openStream(url: string, headers: Record<string, string>): Promise<{ status: number; next(match: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>; ended(timeoutMs: number): Promise<void>; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const queue: SseEvent[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  if (response.body) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event: SseEvent = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) event.comment = line.slice(1).trim();
              const [field, ...rest] = line.split(': ');
              const text = rest.join(': ');
              if (field === 'id') event.id = text;
              if (field === 'event') event.event = text;
              if (field === 'data') event.data = text;
            }
            queue.push(event);
            wake?.();
          }
        }
      } catch {
        // aborted
      }
      finished = true;
      wake?.();
    })();
  }
  return {
    status: response.status,
    async next(match, timeoutMs = 2_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = queue.findIndex(match);
        if (index >= 0) return queue.splice(index, 1)[0] as SseEvent;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms; seen: ${JSON.stringify(queue)}`);
        await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, left); });
      }
    },
    async ended(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!finished && Date.now() < deadline) await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, 50); });
      if (!finished) throw new Error(`the stream did not end within ${timeoutMs} ms`);
    },
    close() { controller.abort(); },
  };
}

const revision = (digit: string): string => digit.repeat(40);
const appEvent = (key: string) => (event: SseEvent): boolean => event.event === 'app' && (event.data?.includes(`"key":"${key}"`) ?? false);

describe('console live updates', () => {
  it('tells an open page of changes written by two replicas within 2 s, and replays what a reconnect missed', async (t) => {
    const server = await startConsoleServer(t, { apps: [application('shop', 'web'), application('shop', 'api')] });
    const otherReplica = new Redis(redisUrl());
    t.after(() => { otherReplica.disconnect(); });
    const secondWriter = new RedisStatusStore(otherReplica, { prefix: server.prefix });
    const { cookie } = await signIn(server.base, adminToken);

    const stream = await openStream(`${server.base}/api/v1/events`, { cookie });
    t.after(() => { stream.close(); });
    assert.equal(stream.status, 200);
    const hello = await stream.next((event) => event.event === 'hello');
    assert.equal(hello.data, '{"resync":false}');

    let started = Date.now();
    await server.writer.saveStatus('shop/web', { sync: { status: 'OutOfSync', revision: revision('a') }, health: { status: 'Healthy' } }, new Date());
    const first = await stream.next(appEvent('shop/web'));
    const firstMs = Date.now() - started;
    const body = JSON.parse(first.data ?? '{}') as { changed: string[]; row: { sync: string; revision: { short: string } } };
    assert.deepEqual(body.changed, ['status']);
    assert.equal(body.row.sync, 'OutOfSync', 'the row is the new one');
    assert.equal(body.row.revision.short, 'aaaaaaa');

    started = Date.now();
    await secondWriter.saveStatus('shop/api', { sync: { status: 'Synced', revision: revision('b') }, health: { status: 'Degraded', message: 'pods crash' } }, new Date());
    const second = await stream.next(appEvent('shop/api'));
    const secondMs = Date.now() - started;
    assert.ok(firstMs < 2_000 && secondMs < 2_000, `events after ${firstMs} ms and ${secondMs} ms`);
    t.diagnostic(`status change to event: ${firstMs} ms (same replica's Redis), ${secondMs} ms (other replica)`);

    // The list on this replica already reads the other replica's change, without a Redis round trip of its own.
    const list = await (await fetch(`${server.base}/api/v1/console/applications?health=Degraded`, { headers: { cookie } })).json() as { items: { key: string; healthMessage: string }[] };
    assert.deepEqual(list.items.map((item) => [item.key, item.healthMessage]), [['shop/api', 'pods crash']]);

    await secondWriter.saveDrift('shop/web', { status: 'Synced', counts: { Synced: 0, OutOfSync: 0, Missing: 0, Extraneous: 0 }, objects: [], fallbacks: [], timings: { totalMs: 0, clusterMs: 0, diffMs: 0, dryRuns: 0, dryRunFailures: 0, gets: 0, lists: 0, retries: 0 } }, revision('a'), new Date());
    const drift = await stream.next(appEvent('shop/web'));
    assert.match(drift.data ?? '', /"changed":\["drift"\]/);
    stream.close();

    // Reconnect as EventSource does, with the id of the first event: the two later ones are replayed.
    const again = await openStream(`${server.base}/api/v1/events`, { cookie, 'last-event-id': first.id ?? '' });
    t.after(() => { again.close(); });
    assert.equal((await again.next((event) => event.event === 'hello')).data, '{"resync":false}');
    assert.equal((await again.next(appEvent('shop/api'))).id, second.id);
    assert.equal((await again.next(appEvent('shop/web'))).id, drift.id);
    again.close();

    // A deleted Application's row goes, in memory and in Redis.
    await server.feed.forget('shop/api');
    assert.equal(server.feed.summary('shop/api'), undefined);
    assert.equal(await server.redis.hget(`${server.prefix}:app-summaries`, 'shop/api'), null);

    // An id older than anything kept: the page must refetch.
    const stale = await openStream(`${server.base}/api/v1/events`, { cookie, 'last-event-id': '1-0' });
    t.after(() => { stale.close(); });
    assert.equal((await stale.next((event) => event.event === 'hello')).data, '{"resync":true}');
    stale.close();
  });

  it('sends only the asked Application\'s events, heartbeats, and caps streams per session', async (t) => {
    const server = await startConsoleServer(t, { apps: [application('shop', 'web'), application('shop', 'api')], console: { heartbeatMs: 200, maxStreamsPerPrincipal: 2 } });
    const session = await signIn(server.base, adminToken);
    const { cookie } = session;
    const only = await openStream(`${server.base}/api/v1/events?app=shop/web`, { cookie });
    t.after(() => { only.close(); });
    await only.next((event) => event.event === 'hello');
    await server.writer.saveStatus('shop/api', { sync: { status: 'Synced' } }, new Date());
    await server.writer.saveStatus('shop/web', { sync: { status: 'Synced' } }, new Date());
    await only.next(appEvent('shop/web'));
    await assert.rejects(only.next(appEvent('shop/api'), 300), /no matching event/);
    assert.equal((await only.next((event) => event.comment === 'heartbeat', 1_000)).comment, 'heartbeat');

    const secondStream = await openStream(`${server.base}/api/v1/events`, { cookie });
    t.after(() => { secondStream.close(); });
    assert.equal(secondStream.status, 200);
    const third = await openStream(`${server.base}/api/v1/events`, { cookie });
    t.after(() => { third.close(); });
    assert.equal(third.status, 429);
    secondStream.close();
    // Closing a stream frees its place.
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 200; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const retry = await openStream(`${server.base}/api/v1/events`, { cookie });
      status = retry.status;
      retry.close();
    }
    assert.equal(status, 200);

    // Signing out ends the streams the session holds, at the next heartbeat.
    const held = await openStream(`${server.base}/api/v1/events`, { cookie });
    t.after(() => { held.close(); });
    await held.next((event) => event.event === 'hello');
    const { csrf } = session;
    assert.equal((await fetch(`${server.base}/api/v1/session`, { method: 'DELETE', headers: { cookie, 'x-berth-csrf': csrf } })).status, 204);
    await held.ended(2_000);
    assert.equal((await fetch(`${server.base}/api/v1/events`, { headers: { cookie } })).status, 401);

    const bad = await fetch(`${server.base}/api/v1/events?app=../x`, { headers: { cookie: (await signIn(server.base, adminToken)).cookie } });
    assert.equal(bad.status, 400);
    const anonymous = await fetch(`${server.base}/api/v1/events`);
    assert.equal(anonymous.status, 401);
  });
});
