import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeChanges, formatSummary, type ChangeEntry } from './change-set.ts';
import { appendHistory, finishHistoryEntry, type HistoryEntry } from './history.ts';

const started = (revision: string, initiator: HistoryEntry['initiator'] = 'auto'): Omit<HistoryEntry, 'id'> =>
  ({ revision, initiator, phase: 'Running', startedAt: '2025-01-01T00:00:00Z', finishedAt: undefined, changes: undefined, message: '' });

describe('history', () => {
  it('appends entries with growing ids and keeps the last N', () => {
    let history: HistoryEntry[] = [];
    for (const revision of ['a', 'b', 'c', 'd']) history = appendHistory(history, started(revision), 3);
    assert.deepEqual(history.map((e) => `${e.id}:${e.revision}`), ['2:b', '3:c', '4:d']);
    history = appendHistory(history, started('e', 'rollback'), 3);
    assert.deepEqual(history.map((e) => e.id), [3, 4, 5]);
    assert.equal(history.at(-1)?.initiator, 'rollback');
  });

  it('finishes an entry by id with its outcome and change summary, leaving others alone', () => {
    let history = appendHistory([], started('a'));
    history = appendHistory(history, started('b', 'webhook'));
    const entries: ChangeEntry[] = [
      { ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 's', name: 'x' }, action: 'created', message: '', phase: 'Sync', wave: 0, hook: false },
      { ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 's', name: 'y' }, action: 'unchanged', message: '', phase: 'Sync', wave: 0, hook: false },
    ];
    const changes = summarizeChanges(entries);
    history = finishHistoryEntry(history, 1, { phase: 'Failed', finishedAt: '2025-01-01T00:01:00Z', message: 'rollout failed', changes });
    const [first] = history;
    assert.ok(first);
    assert.equal(first.phase, 'Failed');
    assert.equal(first.changes?.created, 1);
    assert.equal(history[1]?.phase, 'Running');
    assert.equal(formatSummary(changes), '1 created, 1 unchanged');
    assert.deepEqual(finishHistoryEntry(history, 99, { phase: 'Succeeded', finishedAt: 'x', message: '' }), history);
  });
});
