import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryRetryDelayMs, RetryableDeliveryError } from './worker.ts';

const policy = { limit: 8, backoffMs: 1_000, factor: 2, maxBackoffMs: 300_000, jitter: 0.25 };

describe('the delay before a notification is retried', () => {
  it('follows the one retry policy when the receiver asked for nothing', () => {
    assert.equal(deliveryRetryDelayMs(policy, 1, new RetryableDeliveryError('HTTP 500', undefined), () => 1), 1_000);
    assert.equal(deliveryRetryDelayMs(policy, 3, new RetryableDeliveryError('HTTP 500', undefined), () => 1), 4_000);
  });

  it('never retries sooner than Retry-After', () => {
    assert.equal(deliveryRetryDelayMs(policy, 1, new RetryableDeliveryError('HTTP 429', 7_000), () => 1), 7_000);
    // A Retry-After shorter than the backoff does not hurry it.
    assert.equal(deliveryRetryDelayMs(policy, 4, new RetryableDeliveryError('HTTP 429', 1_000), () => 1), 8_000);
  });

  it('reads a Retry-After carried by an error that crossed Redis (a plain Error with the field)', () => {
    const revived = Object.assign(new Error('HTTP 429'), { retryAfterMs: 5_000 });
    assert.equal(deliveryRetryDelayMs(policy, 1, revived, () => 1), 5_000);
  });
});
