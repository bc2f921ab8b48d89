import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApplicationStatus } from '../../application/index.ts';
import { historyItems } from './history-view.ts';
import { summarizeStatus } from './app-summary.ts';

const good = '9f8e7d6'.padEnd(40, '0');
const bad = 'a1b2c3d'.padEnd(40, '1');
const status: ApplicationStatus = {
  sync: { status: 'Synced', revision: good },
  health: { status: 'Healthy' },
  failedRevision: bad,
  release: { status: 'Healthy', reason: 'RolledBack', message: `rolled back to ${good.slice(0, 7)}`, failedRevision: bad, lastHealthyRevision: good },
  history: [
    { id: 1, revision: good, initiator: 'auto', phase: 'Succeeded', startedAt: '2026-12-01T10:00:00Z', finishedAt: '2026-12-01T10:00:05Z', message: 'synced' },
    { id: 2, revision: bad, initiator: 'webhook', phase: 'Failed', startedAt: '2026-12-01T11:00:00Z', finishedAt: '2026-12-01T11:05:00Z', message: 'Deployment/web/api: ProgressDeadlineExceeded' },
    { id: 3, revision: good, initiator: 'rollback', phase: 'Succeeded', startedAt: '2026-12-01T11:05:01Z', finishedAt: '2026-12-01T11:05:09Z', message: 'rolled back' },
    { id: 4, revision: good, initiator: 'manual', phase: 'Running', startedAt: '2026-12-01T12:00:00Z', message: 'syncing https://user:tok@git.example.com/x' },
  ],
};

describe('the history timeline', () => {
  const items = historyItems(status, 'https://github.com/org/deploy.git');

  it('is newest first, with the initiator in words a person uses', () => {
    assert.deepEqual(items.map((item) => `${item.id}:${item.initiator}`), ['4:manual', '3:rollback', '2:webhook', '1:poll']);
  });

  it('draws a rollback with where it came from, where it went and why', () => {
    const rollback = items.find((item) => item.id === 3)?.rollback;
    assert.deepEqual(rollback, { from: bad, to: good, why: 'a1b2c3d failed: Deployment/web/api: ProgressDeadlineExceeded', heldBack: true });
    assert.equal(items.find((item) => item.id === 2)?.rollback, null);
  });

  it('links each commit and keeps no credentials in messages', () => {
    const [newest] = items;
    assert.ok(newest);
    assert.equal(newest.url, `https://github.com/org/deploy/commit/${good}`);
    assert.equal(newest.short, '9f8e7d6');
    assert.ok(!newest.message.includes('tok@'));
    assert.equal(newest.finishedAt, null);
  });
});

describe('the list row of an Application', () => {
  it('carries the rollback marker while a failed revision is held back', () => {
    const summary = summarizeStatus(status, '2026-12-01T12:00:00Z', { subject: 'Bump api', author: 'Ana' });
    assert.deepEqual(summary.rollback, { from: bad, to: good, at: '2026-12-01T11:05:09Z', message: 'rolled back to 9f8e7d6' });
    assert.equal(summary.subject, 'Bump api');
    assert.equal(summary.lastSyncAt, '2026-12-01T12:00:00Z');
  });

  it('is Unknown and unmarked before any status', () => {
    assert.deepEqual(summarizeStatus(undefined), { sync: 'Unknown', health: 'Unknown' });
  });
});
