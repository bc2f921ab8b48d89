import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobRetryDelayMs } from './backoff.ts';
import { defaultRetry } from './options.ts';

const retry = { ...defaultRetry, baseDelayMs: 1_000, factor: 2, maxDelayMs: 10_000, jitter: 0.5 };

describe('retry delays', () => {
  it('double with each attempt when no jitter is drawn', () => {
    const top = () => 0.999_999;
    assert.deepEqual([1, 2, 3, 4].map((attempt) => jobRetryDelayMs(retry, attempt, top)), [1_000, 2_000, 4_000, 8_000]);
  });

  it('never exceed the cap', () => {
    assert.equal(jobRetryDelayMs(retry, 30, () => 0.999_999), 10_000);
  });

  it('spread over the jittered share of the delay', () => {
    assert.equal(jobRetryDelayMs(retry, 2, () => 0), 1_000);
    assert.equal(jobRetryDelayMs(retry, 2, () => 0.5), 1_500);
    const drawn = new Set(Array.from({ length: 50 }, () => jobRetryDelayMs(retry, 3)));
    assert.ok(drawn.size > 10, `50 draws gave only ${drawn.size} distinct delays`);
    for (const delay of drawn) assert.ok(delay >= 2_000 && delay <= 4_000, `delay ${delay} outside [2000, 4000]`);
  });

  it('are exactly exponential with jitter 0', () => {
    assert.equal(jobRetryDelayMs({ ...retry, jitter: 0 }, 3, () => 0.7), 4_000);
  });
});
