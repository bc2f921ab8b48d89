import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { triggerOf } from './trigger.ts';

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
});
