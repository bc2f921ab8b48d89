import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HealthStatus, compareSeverity, healthStatusesBySeverity, isWorse, missingHealth } from './index.ts';

describe('health statuses', () => {
  it('are ordered by severity exactly as DESIGN.md lists them', () => {
    assert.deepEqual(healthStatusesBySeverity, ['Healthy', 'Progressing', 'Suspended', 'Degraded', 'Missing', 'Unknown']);
  });

  it('say a status is worse only when it comes later in the order', () => {
    healthStatusesBySeverity.forEach((a, i) => {
      healthStatusesBySeverity.forEach((b, j) => {
        assert.equal(isWorse(a, b), i > j, `isWorse(${a}, ${b})`);
      });
    });
  });

  it('sort from least to most severe with compareSeverity', () => {
    const shuffled: HealthStatus[] = ['Unknown', 'Healthy', 'Degraded', 'Suspended', 'Missing', 'Progressing'];
    assert.deepEqual(shuffled.sort(compareSeverity), healthStatusesBySeverity);
    assert.equal(compareSeverity(HealthStatus.Degraded, HealthStatus.Degraded), 0);
  });

  it('give a desired object that the cluster lacks the Missing status', () => {
    assert.equal(missingHealth().status, HealthStatus.Missing);
    assert.ok(isWorse(missingHealth().status, HealthStatus.Degraded));
  });
});
