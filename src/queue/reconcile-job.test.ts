import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isApplicationKey, parseReconcileJob } from './reconcile-job.ts';

describe('reconcile job data', () => {
  it('accepts an Application key, a reason and the optional fields', () => {
    const parsed = parseReconcileJob({ app: 'shop/web', reason: 'webhook', revision: 'abc123', requestedBy: 'delivery-1' });
    assert.deepEqual(parsed, { ok: true, job: { app: 'shop/web', reason: 'webhook', revision: 'abc123', requestedBy: 'delivery-1' } });
  });

  it('rejects unknown reasons, extra fields and malformed names, naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [{ app: 'shop/web', reason: 'whim' }, /^reason:/],
      [{ app: 'shop/web', reason: 'poll', manifests: [] }, /manifests/],
      [{ app: 'Shop/web', reason: 'poll' }, /^app:/],
      [{ app: 'web', reason: 'poll' }, /^app:/],
      ['shop/web', /\(job\)/],
    ];
    for (const [data, problem] of cases) {
      const parsed = parseReconcileJob(data);
      if (parsed.ok) assert.fail(`accepted ${JSON.stringify(data)}`);
      assert.match(parsed.problem, problem);
    }
  });

  it('carries an operation a person asked for, and rejects a malformed one', () => {
    const parsed = parseReconcileJob({ app: 'shop/web', reason: 'manual', operation: { kind: 'sync', revision: 'v2', dryRun: true, prune: undefined } });
    assert.deepEqual(parsed, { ok: true, job: { app: 'shop/web', reason: 'manual', operation: { kind: 'sync', revision: 'v2', dryRun: true } } });
    const rollback = parseReconcileJob({ app: 'shop/web', reason: 'manual', operation: { kind: 'rollback' } });
    assert.equal(rollback.ok, false);
    const unknown = parseReconcileJob({ app: 'shop/web', reason: 'manual', operation: { kind: 'delete' } });
    assert.equal(unknown.ok, false);
  });

  it('knows namespace/name keys', () => {
    assert.equal(isApplicationKey('berth/guestbook.v2'), true);
    assert.equal(isApplicationKey('berth/guestbook/extra'), false);
    assert.equal(isApplicationKey(`${'a'.repeat(64)}/x`), false);
  });
});
