import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findCondition, invalidSpecConditions, setCondition } from './conditions.ts';
import { redactCredentials } from './events.ts';

const t1 = '2026-01-01T00:00:00Z';
const t2 = '2026-01-01T00:05:00Z';

describe('Application conditions', () => {
  it('moves lastTransitionTime only when the status flips', () => {
    const first = setCondition([], { type: 'Ready', status: 'False', reason: 'Progressing', message: 'syncing', observedGeneration: 1 }, t1);
    const same = setCondition(first, { type: 'Ready', status: 'False', reason: 'Failed', message: 'apply failed', observedGeneration: 2 }, t2);
    assert.equal(findCondition(same, 'Ready')?.lastTransitionTime, t1);
    assert.equal(findCondition(same, 'Ready')?.reason, 'Failed');
    assert.equal(findCondition(same, 'Ready')?.observedGeneration, 2);
    const flipped = setCondition(same, { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'healthy', observedGeneration: 2 }, t2);
    assert.equal(findCondition(flipped, 'Ready')?.lastTransitionTime, t2);
    assert.equal(flipped.length, 1);
  });

  it('marks an invalid spec not Ready and Stalled, naming every bad field, and drops Reconciling', () => {
    const before = setCondition([], { type: 'Reconciling', status: 'True', reason: 'Progressing', message: 'syncing', observedGeneration: 3 }, t1);
    const problems = [{ path: 'spec.syncPolicy.retry.limit', message: 'expected a number' }, { path: 'spec.destination', message: 'is required' }];
    const conditions = invalidSpecConditions(before, problems, 4, t2);
    assert.deepEqual(conditions.map((c) => `${c.type}=${c.status}`).sort(), ['Ready=False', 'Stalled=True']);
    for (const condition of conditions) {
      assert.equal(condition.reason, 'InvalidSpec');
      assert.equal(condition.observedGeneration, 4);
      assert.equal(condition.message, 'invalid spec: spec.syncPolicy.retry.limit: expected a number; spec.destination: is required');
    }
  });
});

describe('Event messages', () => {
  it('never carry credentials that tools echo in their errors', () => {
    const cases: [string, string][] = [
      ['fetch https://deploy:ghp_abc123@git.example.com/x.git failed', 'ghp_abc123'],
      ['request failed with Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload', 'eyJhbGciOiJIUzI1NiJ9'],
      ['helm: password=hunter2 rejected', 'hunter2'],
      ['token: "s3cr3t-token", retrying', 's3cr3t-token'],
    ];
    for (const [message, secret] of cases) {
      const redacted = redactCredentials(message);
      assert.ok(!redacted.includes(secret), `${redacted} still contains ${secret}`);
      assert.ok(redacted.includes('***'), redacted);
    }
    assert.equal(redactCredentials('Deployment/shop/web: 2 of 3 replicas available'), 'Deployment/shop/web: 2 of 3 replicas available');
  });
});
