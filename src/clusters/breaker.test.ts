import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answered, closedBreaker, failed, failuresToOpen, waitUntil, type BreakerState } from './breaker.ts';

const noJitter = (): number => 1;

describe('the cluster breaker', () => {
  it('stays closed below the threshold, then opens for a growing wait', () => {
    let state: BreakerState = closedBreaker;
    const waits: (number | undefined)[] = [];
    for (let i = 1; i <= failuresToOpen + 2; i += 1) {
      state = failed(state, 'no answer', 1_000, noJitter);
      waits.push(waitUntil(state, 1_000));
    }
    assert.deepEqual(waits, [undefined, undefined, 3_000, 5_000, 9_000]);
    assert.equal(state.lastError, 'no answer');
  });

  it('lets a probe through once the wait is over, and closes on its answer', () => {
    let state: BreakerState = closedBreaker;
    for (let i = 0; i < failuresToOpen; i += 1) state = failed(state, 'HTTP 503', 0, noJitter);
    assert.equal(waitUntil(state, 1_999), 2_000);
    assert.equal(waitUntil(state, 2_000), undefined);
    state = answered();
    assert.deepEqual(state, closedBreaker);
  });
});
