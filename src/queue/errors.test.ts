import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnrecoverableError } from 'bullmq';
import { InvalidSourceError, TransientSourceError } from '../errors.ts';
import { TransientSyncError, UnrecoverableSyncError } from '../../sync/errors.ts';
import { isUnrecoverable, toQueueError } from './errors.ts';

describe('queue error mapping', () => {
  it('turns invalid input into an UnrecoverableError that keeps the original as cause', () => {
    const invalid = [
      new InvalidSourceError('RevisionNotFound', 'https://git.example/repo.git@nope: revision not found'),
      new UnrecoverableSyncError('InvalidManifests', ['Deployment/shop/web: spec.replicas must be a number']),
      Object.assign(new Error('hand-made'), { name: 'UnrecoverableError' }),
    ];
    for (const error of invalid) {
      const mapped = toQueueError(error);
      assert.ok(mapped instanceof UnrecoverableError, `${error.name} was not mapped`);
      assert.equal(mapped.cause, error);
      assert.match(mapped.message, new RegExp(error.message.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    }
  });

  it('leaves transient errors as they are, so they are retried', () => {
    for (const error of [new TransientSourceError('Timeout', 'timed out'), new TransientSyncError('API server unreachable'), new Error('boom')]) {
      assert.equal(isUnrecoverable(error), false);
      assert.equal(toQueueError(error), error);
    }
  });

  it('wraps a thrown non-error into an Error', () => {
    const mapped = toQueueError('a string');
    assert.ok(mapped instanceof Error);
    assert.match(mapped.message, /a string/);
  });
});
