import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { createNotifier, type NotifiedApp } from './event-sink.ts';
import type { NotificationJob } from './queue.ts';
import type { KnownRule } from './resources/match.ts';

const app: NotifiedApp = {
  key: 'shop/web', namespace: 'shop', name: 'web', uid: 'uid-1', labels: {}, repoURL: 'https://git.example.com/shop/deploy.git',
  commit: () => Promise.resolve({ subject: 'use token=ghp_abcdefghijklmnop1234 for the mirror', author: 'Ada' }),
};
const everything: KnownRule[] = [{ namespace: 'shop', name: 'all', spec: { providerRefs: [{ name: 'chat' }] } }];

/** The few Redis commands the drift memory uses, in memory (the notifier's only Redis use). */
function memoryRedis(): Redis {
  const values = new Map<string, string>();
  const stub = { get: (key: string) => Promise.resolve(values.get(key) ?? null), set: (key: string, value: string) => { values.set(key, value); return Promise.resolve('OK'); } };
  return stub as unknown as Redis; // only get and set are called
}

function notifier(add: (job: NotificationJob) => Promise<boolean>, timeoutMs = 3_000) {
  const warnings: string[] = [];
  const sink = createNotifier({
    queue: { add }, rules: () => everything, redis: memoryRedis(), prefix: 't', controllerNamespace: 'berth-system', consoleUrl: 'https://berth.example.com/',
    log: { warn: (fields, message) => { warnings.push(`${message} ${JSON.stringify(fields)}`); }, debug: () => undefined }, timeoutMs, now: () => new Date('2026-12-02T12:00:00Z'),
  });
  return { sink, warnings };
}

describe('the notifier the reconcile tells', () => {
  it('queues one job per provider with the commit, the console link and a stable id', async () => {
    const jobs: NotificationJob[] = [];
    const { sink } = notifier((job) => { jobs.push(job); return Promise.resolve(true); });
    await sink.tell(app, [{ type: 'RolledBack', revision: 'B', previousRevision: 'A', reason: 'B failed', occurrence: 4 }]);
    assert.equal(jobs.length, 1);
    const job = jobs[0];
    assert.ok(job);
    assert.deepEqual(job.provider, { namespace: 'shop', name: 'chat' });
    assert.equal(job.event.id, 'uid-1:RolledBack:B:4');
    assert.equal(job.event.severity, 'warning');
    assert.equal(job.event.consoleUrl, 'https://berth.example.com/applications/shop/web');
    assert.equal(job.event.previousRevision, 'A');
  });

  it('masks credentials a commit subject or a reason carries', async () => {
    const jobs: NotificationJob[] = [];
    const { sink } = notifier((job) => { jobs.push(job); return Promise.resolve(true); });
    await sink.tell(app, [{ type: 'SyncFailed', revision: 'B', reason: 'fetch https://bot:s3cr3t-pass@git.example.com/x failed; Authorization: Bearer abcdefghijklmnopqrstuvwxyz', occurrence: 1 }]);
    const text = JSON.stringify(jobs);
    for (const secret of ['ghp_abcdefghijklmnop1234', 's3cr3t-pass', 'abcdefghijklmnopqrstuvwxyz']) assert.ok(!text.includes(secret), `${secret} is masked`);
  });

  it('never holds a reconcile longer than its timeout, nor fails it, when the queue hangs', async () => {
    const { sink, warnings } = notifier(() => new Promise<boolean>(() => undefined), 50);
    const started = Date.now();
    await sink.tell(app, [{ type: 'Synced', revision: 'B', reason: 'applied', occurrence: 1 }]);
    assert.ok(Date.now() - started < 1_000);
    assert.match(warnings.join('\n'), /not queued within 50 ms/);
  });

  it('tells a drift move once, and not the first check of a revision', async () => {
    const jobs: NotificationJob[] = [];
    const { sink } = notifier((job) => { jobs.push(job); return Promise.resolve(true); });
    await sink.drift(app, { revision: 'A', status: 'Synced', message: 'ok' });
    await sink.drift(app, { revision: 'A', status: 'OutOfSync', message: 'Deployment/shop/web is OutOfSync' });
    await sink.drift(app, { revision: 'A', status: 'OutOfSync', message: 'Deployment/shop/web is OutOfSync' });
    await sink.drift(app, { revision: 'A', status: 'Synced', message: 'ok' });
    assert.deepEqual(jobs.map((job) => job.event.id), ['uid-1:DriftDetected:A:1', 'uid-1:DriftHealed:A:2']);
  });
});
