/**
 * The in-flight byte budget: what fits is granted at once, what does not waits
 * in line and is granted on release or refused when its wait ends, and one
 * request larger than the whole budget is refused outright.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createByteBudget } from './byte-budget.ts';

describe('byte budget', () => {
  it('grants what fits and counts it', async () => {
    const budget = createByteBudget({ maxBytes: 100, maxWaitMs: 60_000 });
    assert.equal(await budget.acquire(60), true);
    assert.equal(await budget.acquire(40), true);
    assert.equal(budget.inUse, 100);
    budget.release(100);
    assert.equal(budget.inUse, 0);
  });

  it('refuses at once a request larger than the whole budget', async () => {
    const budget = createByteBudget({ maxBytes: 100, maxWaitMs: 60_000 });
    assert.equal(await budget.acquire(101), false);
    assert.equal(budget.inUse, 0);
  });

  it('makes a request that does not fit wait for a release, in order', async () => {
    const budget = createByteBudget({ maxBytes: 100, maxWaitMs: 60_000 });
    assert.equal(await budget.acquire(90), true);
    const granted: string[] = [];
    const large = budget.acquire(50).then((ok) => { granted.push(`large:${ok}`); });
    const small = budget.acquire(5).then((ok) => { granted.push(`small:${ok}`); });
    // The small one would fit now, but it does not overtake the large one ahead of it.
    await Promise.resolve();
    assert.deepEqual(granted, []);
    budget.release(90);
    await Promise.all([large, small]);
    assert.deepEqual(granted, ['large:true', 'small:true']);
    assert.equal(budget.inUse, 55);
  });

  it('refuses a waiting request when its wait ends, and lets the next one in', async () => {
    const budget = createByteBudget({ maxBytes: 100, maxWaitMs: 0 });
    assert.equal(await budget.acquire(100), true);
    assert.equal(await budget.acquire(1), false);
    assert.equal(budget.inUse, 100);
    budget.release(100);
    assert.equal(await budget.acquire(1), true);
  });
});
