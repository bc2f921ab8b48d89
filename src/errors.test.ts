import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError, isRetryable, TransientSyncError } from '../sync/errors.ts';
import { InvalidSourceError, TransientSourceError } from './errors.ts';

describe('source errors speak sync/\'s error contract', () => {
  it('an InvalidSourceError is not retryable, by the one isRetryable', () => {
    const error = new InvalidSourceError('RevisionNotFound', 'https://git.example/repo.git@nope: no branch, tag or commit by that name');
    assert.ok(error instanceof BerthError);
    assert.equal(error.retryable, false);
    assert.equal(isRetryable(error), false);
    assert.equal(error.name, 'InvalidSourceError');
  });

  it('a TransientSourceError is a TransientSyncError, so the release step retries a render that hit it', () => {
    const cause = new Error('connect ECONNREFUSED');
    const error = new TransientSourceError('FetchFailed', 'https://git.example/repo.git@main: fetch failed', { cause });
    assert.ok(error instanceof TransientSyncError);
    assert.equal(isRetryable(error), true);
    assert.equal(error.name, 'TransientSourceError');
    assert.equal(error.reason, 'FetchFailed');
    assert.equal(error.cause, cause);
  });
});
