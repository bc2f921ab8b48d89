import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRetryExhausted, retryDelayMs, type RetryPolicy } from './retry-policy.ts';

const policy: RetryPolicy = { limit: 7, backoffMs: 1_000, factor: 2, maxBackoffMs: 4_000, jitter: 0.25 };
const top = (): number => 1 - Number.EPSILON;

describe('the retry policy', () => {
  it('grows the delay by the factor up to the cap', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((retry) => retryDelayMs(policy, retry, top)), [1_000, 2_000, 4_000, 4_000, 4_000, 4_000]);
  });

  it('only ever shortens a delay by jitter, by at most its share', () => {
    assert.equal(retryDelayMs(policy, 2, () => 0), 1_500);
    for (const retry of [1, 2, 3, 10]) {
      const delay = retryDelayMs(policy, retry);
      assert.ok(delay <= policy.maxBackoffMs && delay >= 0.75 * Math.min(policy.maxBackoffMs, 1_000 * 2 ** (retry - 1)), `retry ${retry}: ${delay}`);
    }
  });

  it('counts the limit as attempts in all, the first included (0 counts as 1)', () => {
    assert.equal(isRetryExhausted({ ...policy, limit: 1 }, 1), true);
    assert.equal(isRetryExhausted({ ...policy, limit: 0 }, 1), true);
    assert.equal(isRetryExhausted(policy, 6), false);
    assert.equal(isRetryExhausted(policy, 7), true);
  });
});
