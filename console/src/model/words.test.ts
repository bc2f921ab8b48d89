import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition, HistoryItem } from '../api/types.ts';
import { ago, changesInWords, conditionInWords, isTroubling, rollbackInWords } from './words.ts';

const condition = (type: string, status: Condition['status'], reason: string, message = ''): Condition =>
  ({ type, status, reason, message, lastTransitionTime: '2026-12-02T13:00:00Z' });

describe('conditions in words', () => {
  const cases: [Condition, string, boolean][] = [
    [condition('Ready', 'True', 'Healthy', 'every object is Healthy'), 'Ready: every object is Healthy', false],
    [condition('Ready', 'False', 'ProgressDeadlineExceeded'), 'Not ready: progress deadline exceeded', true],
    [condition('Ready', 'False', 'OutOfSync', 'revision 80f3114 is Healthy'), 'Not ready (out of sync): revision 80f3114 is Healthy', true],
    [condition('Reconciling', 'True', 'Progressing', 'waiting for 2 Pods'), 'Working on it: waiting for 2 Pods', false],
    [condition('Stalled', 'True', 'RenderFailed', 'kustomize build failed'), 'Stuck, needs a person: kustomize build failed', true],
  ];
  for (const [given, words, troubling] of cases) {
    it(`says "${words}"`, () => {
      assert.equal(conditionInWords(given), words);
      assert.equal(isTroubling(given), troubling);
    });
  }
});

describe('a rollback in words', () => {
  const entry: HistoryItem = {
    id: 3, revision: '9f8e7d6'.padEnd(40, '0'), short: '9f8e7d6', initiator: 'rollback', phase: 'Succeeded',
    startedAt: '2026-12-02T13:00:00Z', finishedAt: null, changes: null, message: '',
    rollback: { from: 'a1b2c3d'.padEnd(40, '1'), to: '9f8e7d6'.padEnd(40, '0'), why: 'Deployment/api: ProgressDeadlineExceeded', heldBack: true },
  };
  it('says what failed, what it went back to, and that the failed commit is held back', () => {
    assert.equal(rollbackInWords(entry),
      'a1b2c3d failed: Deployment/api: ProgressDeadlineExceeded; rolled back to 9f8e7d6; a1b2c3d held back until the branch moves');
  });
  it('is nothing for an entry that is not a rollback', () => {
    assert.equal(rollbackInWords({ ...entry, rollback: null }), undefined);
  });
});

describe('changes and times in words', () => {
  it('lists the non-zero changes, not the unchanged ones', () => {
    assert.equal(changesInWords({ created: 1, configured: 2, unchanged: 9, deleted: 0 }), '1 created, 2 configured');
    assert.equal(changesInWords(null), '');
  });
  it('says how long ago', () => {
    const now = Date.parse('2026-12-02T13:00:00Z');
    assert.equal(ago('2026-12-02T12:59:58Z', now), 'just now');
    assert.equal(ago('2026-12-02T12:57:00Z', now), '3 min ago');
    assert.equal(ago('2026-11-01T12:57:00Z', now), '2026-11-01');
    assert.equal(ago('not a time', now), '');
  });
});
