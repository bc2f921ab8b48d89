import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assessHealth } from '../../health/index.ts';
import { healthRulesForApp } from './rules-for-app.ts';
import { applicationHealthRules, clusterHealthRules } from './to-rules.ts';

const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' }, status: { phase: 'Ready', items: [1, 2] } };

test('an Application\'s rules name where they came from', () => {
  const [rule] = applicationHealthRules('shop', 'web', [{ group: 'example.com', kind: 'Widget', current: `self.status.phase == 'Ready'` }]);
  assert.ok(rule);
  assert.equal(rule.source, 'Application shop/web spec.healthChecks[0]');
  assert.equal(rule.error, undefined);
});

test('an Application\'s rule with a nested comprehension or matches() is refused: its kind is Degraded with why, never Healthy', () => {
  const rules = healthRulesForApp({ namespace: 'shop', name: 'web', healthChecks: [
    { group: 'example.com', kind: 'Widget', current: `self.status.items.all(a, self.status.items.all(b, true))`, failed: `self.status.phase.matches('(a+)+$')` },
  ] }, []);
  const health = assessHealth(widget, rules);
  assert.ok(health);
  assert.equal(health.status, 'Degraded');
  assert.match(health.message, /Application shop\/web spec\.healthChecks\[0\]: failed: matches\(\) is not allowed here.*current: a comprehension/);
});

test('a cluster rule may use what a tenant may not (a cluster admin wrote it)', () => {
  const rules = healthRulesForApp({ namespace: 'shop', name: 'web', healthChecks: [] },
    clusterHealthRules('widgets', [{ group: 'example.com', kind: 'Widget', current: `self.status.phase.matches('^Re')` }]));
  assert.equal(assessHealth(widget, rules)?.status, 'Healthy');
});

test('the Application\'s rule wins over the cluster\'s for its kind', () => {
  const cluster = clusterHealthRules('widgets', [{ group: 'example.com', kind: 'Widget', current: 'true' }]);
  const rules = healthRulesForApp({ namespace: 'shop', name: 'web', healthChecks: [{ group: 'example.com', kind: 'Widget', failed: 'true' }] }, cluster);
  assert.equal(assessHealth(widget, rules)?.status, 'Degraded');
});
