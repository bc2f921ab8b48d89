import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialReleaseRecord, type ReleaseRecord } from './release.ts';
import { adoptUnchangedRevision } from './release-adopt.ts';

function settled(status: ReleaseRecord['state']['status']): ReleaseRecord {
  const record = initialReleaseRecord();
  return { ...record, appliedRevision: 'aaa', state: { ...record.state, status, revision: 'aaa', lastHealthyRevision: 'aaa', failedRevision: 'bbb' } };
}

describe('adopting a commit that changes nothing of an Application', () => {
  it('moves a Healthy release to the new commit without a sync or a history entry', () => {
    const adopted = adoptUnchangedRevision(settled('Healthy'), 'ccc', 'ccc changes nothing under apps/web');
    assert.equal(adopted?.appliedRevision, 'ccc');
    assert.equal(adopted.state.revision, 'ccc');
    assert.equal(adopted.state.lastHealthyRevision, 'ccc');
    assert.equal(adopted.state.failedRevision, undefined);
    assert.equal(adopted.history.length, 0);
  });

  it('leaves anything but a settled Healthy release to the state machine', () => {
    for (const status of ['Idle', 'Syncing', 'Progressing', 'Degraded', 'Stalled'] as const) {
      assert.equal(adoptUnchangedRevision(settled(status), 'ccc', 'm'), undefined, status);
    }
  });

  it('does nothing for the commit already applied', () => {
    assert.equal(adoptUnchangedRevision(settled('Healthy'), 'aaa', 'm'), undefined);
  });
});
