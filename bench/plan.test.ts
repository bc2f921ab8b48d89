import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { benchNames, benchPlan } from './plan.ts';

describe('benchPlan', () => {
  it('runs every benchmark, those without a cluster first and controller-scale (its own plane) last', () => {
    const plan = benchPlan({ quick: false });
    assert.deepEqual(plan.map((p) => p.name), [...benchNames]);
    const firstShared = plan.findIndex((p) => p.cluster === 'shared');
    assert.ok(plan.slice(0, firstShared).every((p) => p.cluster === 'none'));
    assert.equal(plan.at(-1)?.cluster, 'own');
  });

  it('uses smaller sizes with --quick', () => {
    const size = (quick: boolean): number => Number(benchPlan({ quick, only: ['apply'] })[0]?.args[1]);
    assert.ok(size(true) < size(false));
  });

  it('keeps only the benchmarks asked for, and leaves out the skipped ones', () => {
    assert.deepEqual(benchPlan({ quick: true, only: ['webhook', 'fetch'] }).map((p) => p.name), ['fetch', 'webhook']);
    assert.ok(!benchPlan({ quick: true, skip: ['diff'] }).some((p) => p.name === 'diff'));
  });

  it('passes Redis to the webhook benchmark only', () => {
    assert.deepEqual(benchPlan({ quick: true }).filter((p) => p.needsRedis).map((p) => p.name), ['webhook']);
  });

  it('refuses an unknown benchmark name', () => {
    assert.throws(() => benchPlan({ quick: true, only: ['aply'] }), /unknown benchmark "aply"/);
  });
});
