import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterError, isRetryable, TransientSyncError, UnrecoverableSyncError } from './errors.ts';

describe('the error contract (isRetryable)', () => {
  const rows: [string, unknown, boolean][] = [
    ['invalid manifests', new UnrecoverableSyncError('InvalidManifests', ['ConfigMap/a/b: kind is missing']), false],
    ['an exhausted rollback', new UnrecoverableSyncError('RollbackExhausted', ['no healthy revision left']), false],
    ['an unreachable cluster', new TransientSyncError('API server unreachable'), true],
    ['a Transient cluster call', new ClusterError('Transient', 'timeout'), true],
    ['an Invalid cluster call', new ClusterError('Invalid', 'spec.replicas: Invalid value'), false],
    ['a Forbidden cluster call', new ClusterError('Forbidden', 'forbidden', { code: 403 }), false],
    ['an Unknown cluster call', new ClusterError('Unknown', 'teapot', { code: 418 }), false],
    ['a plain Error wrapping an unrecoverable one', new Error('reconcile failed', { cause: new UnrecoverableSyncError('InvalidManifests', ['x']) }), false],
    ['a plain Error wrapping a transient one', new Error('reconcile failed', { cause: new ClusterError('Transient', 'timeout') }), true],
    ['a transient error wrapping an invalid one: the outer, deliberate verdict wins', new TransientSyncError('retry', { cause: new ClusterError('Invalid', 'bad') }), true],
    ['an error Berth knows nothing about', new Error('boom'), true],
    ['a thrown string', 'boom', true],
  ];
  for (const [what, error, retryable] of rows) {
    it(`${retryable ? 'retries' : 'does not retry'} ${what}`, () => {
      assert.equal(isRetryable(error), retryable);
    });
  }

  it('says so on the error itself, where it is thrown', () => {
    assert.equal(new UnrecoverableSyncError('InvalidManifests', ['x']).retryable, false);
    assert.equal(new TransientSyncError('x').retryable, true);
    assert.equal(new ClusterError('Conflict', 'x').retryable, false);
  });
});
