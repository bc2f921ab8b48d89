import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolvesFresh, triggerOf } from './trigger.ts';

const app = 'shop/web';

describe('the trigger of a reconcile', () => {
  it('calls automatic what nobody asked for through the API: polls, webhooks, watches, start-up, rechecks, refreshes', () => {
    for (const reason of ['poll', 'webhook', 'watch', 'startup', 'recheck'] as const) assert.equal(triggerOf({ app, reason }).automatic, true, reason);
    assert.equal(triggerOf({ app, reason: 'poll', operation: { kind: 'refresh' } }).kind, 'refresh');
    assert.equal(triggerOf({ app, reason: 'poll', operation: { kind: 'refresh' } }).automatic, true);
  });

  it('reads a person\'s sync, rollback and dry run from the operation', () => {
    assert.deepEqual(
      [{ kind: 'sync' as const }, { kind: 'rollback' as const, revision: 'abc' }, { kind: 'sync' as const, dryRun: true }].map((operation) => triggerOf({ app, reason: 'manual', operation }).kind),
      ['manualSync', 'manualRollback', 'dryRun'],
    );
    const sync = triggerOf({ app, reason: 'manual', operation: { kind: 'sync', revision: 'abc', prune: false }, requestedBy: 'api' });
    assert.deepEqual({ automatic: sync.automatic, initiator: sync.initiator, revision: sync.revision, prune: sync.prune, fresh: sync.fresh, requestedBy: sync.requestedBy },
      { automatic: false, initiator: 'manual', revision: 'abc', prune: false, fresh: true, requestedBy: 'api' });
  });

  it('names the webhook as initiator and resolves the ref afresh for it and for an announced commit', () => {
    assert.equal(triggerOf({ app, reason: 'webhook' }).initiator, 'webhook');
    assert.equal(triggerOf({ app, reason: 'webhook' }).fresh, true);
    assert.equal(triggerOf({ app, reason: 'poll' }).fresh, false);
    assert.equal(triggerOf({ app, reason: 'watch', revision: 'abc' }).fresh, true);
  });

  it('resolves the ref afresh for an Application new to this controller, and shares it otherwise', () => {
    const cases = [
      { reason: 'startup', appliedRevision: undefined, fresh: true },
      { reason: 'watch', appliedRevision: undefined, fresh: true },
      { reason: 'poll', appliedRevision: undefined, fresh: false },
      { reason: 'recheck', appliedRevision: undefined, fresh: false },
      { reason: 'startup', appliedRevision: 'abc', fresh: false },
      { reason: 'watch', appliedRevision: 'abc', fresh: false },
      { reason: 'poll', appliedRevision: 'abc', fresh: false },
      { reason: 'webhook', appliedRevision: 'abc', fresh: true },
    ] as const;
    for (const { reason, appliedRevision, fresh } of cases) {
      assert.equal(resolvesFresh(triggerOf({ app, reason }), { appliedRevision }), fresh, `${reason}, applied ${appliedRevision ?? 'nothing'}`);
    }
  });
});
