import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObjectRef } from '../objects.ts';
import type { HealthStatus } from '../health/index.ts';
import { checkRollout, type RolloutObservation, type RolloutState } from './rollout.ts';

const ref = (name: string): ObjectRef => ({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name });
const seen = (name: string, status: HealthStatus, message = ''): RolloutObservation => ({ ref: ref(name), health: { status, message } });
const state: RolloutState = { revision: 'abc', startedAt: 1_000, healthTimeoutMs: 60_000 };
const beforeDeadline = 30_000;
const afterDeadline = 61_000;

describe('rollout check', () => {
  const rows: { name: string; observations: RolloutObservation[]; now: number; expected: string; message?: RegExp }[] = [
    { name: 'is healthy when every object is Healthy', observations: [seen('a', 'Healthy'), seen('b', 'Healthy')], now: beforeDeadline, expected: 'healthy' },
    { name: 'is healthy with nothing to watch', observations: [], now: beforeDeadline, expected: 'healthy' },
    { name: 'counts Suspended as settled', observations: [seen('a', 'Healthy'), seen('cron', 'Suspended')], now: beforeDeadline, expected: 'healthy' },
    { name: 'is progressing while an object is Progressing before the deadline', observations: [seen('a', 'Healthy'), seen('b', 'Progressing', '1 of 3 updated replicas are available')], now: beforeDeadline, expected: 'progressing', message: /waiting for 1 of 2 objects: Deployment\/shop\/b is Progressing: 1 of 3/ },
    { name: 'waits on Missing and Unknown before the deadline', observations: [seen('a', 'Missing'), seen('b', 'Unknown')], now: beforeDeadline, expected: 'progressing' },
    { name: 'fails at once when an object is Degraded', observations: [seen('a', 'Progressing'), seen('b', 'Degraded', 'progress deadline exceeded')], now: beforeDeadline, expected: 'failed:Degraded', message: /Deployment\/shop\/b is Degraded: progress deadline exceeded/ },
    { name: 'fails when not Healthy by the health timeout', observations: [seen('a', 'Progressing', 'waiting')], now: afterDeadline, expected: 'failed:HealthTimeout', message: /not Healthy within 60s: Deployment\/shop\/a is Progressing: waiting/ },
    { name: 'fails at the exact deadline', observations: [seen('a', 'Missing')], now: state.startedAt + state.healthTimeoutMs, expected: 'failed:HealthTimeout' },
    { name: 'is healthy after the deadline if everything became Healthy', observations: [seen('a', 'Healthy')], now: afterDeadline, expected: 'healthy' },
  ];
  for (const { name, observations, now, expected, message } of rows) {
    it(name, () => {
      const result = checkRollout(state, observations, now);
      assert.equal(result.kind === 'failed' ? `failed:${result.reason}` : result.kind, expected);
      if (message) assert.match(result.message, message);
    });
  }

  it('names what it waits for and when to look again, never past the deadline', () => {
    const early = checkRollout(state, [seen('a', 'Progressing'), seen('b', 'Healthy')], 2_000, { recheckIntervalMs: 5_000 });
    assert.equal(early.kind, 'progressing');
    assert.deepEqual(early.pending.map((r) => r.name), ['a']);
    assert.equal(early.recheckAt, 7_000);
    const late = checkRollout(state, [seen('a', 'Progressing')], 59_000, { recheckIntervalMs: 5_000 });
    assert.equal(late.kind === 'progressing' && late.recheckAt, 61_000);
  });

  it('is a pure function of state, observations and time', () => {
    const observations = [seen('a', 'Progressing')];
    assert.deepEqual(checkRollout(state, observations, beforeDeadline), checkRollout(state, observations, beforeDeadline));
    assert.deepEqual(observations, [seen('a', 'Progressing')]);
  });
});
