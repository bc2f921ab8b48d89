import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../objects.ts';
import { assessHealth } from './assess.ts';
import type { CelHealthRule } from './cel-rules.ts';
import { builtinCelRules } from './rules/builtin.ts';
import { healthRuleSet } from './rule-set.ts';

const certificate: KubeObject = {
  apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'tls', namespace: 'shop', generation: 1 },
  status: { conditions: [{ type: 'Ready', status: 'True' }], notAfter: '2020-01-01T00:00:00Z' },
};
const rule = (source: string, current: string): CelHealthRule => ({ group: 'cert-manager.io', kind: 'Certificate', source, current });

describe('health rule layers', () => {
  it('built-in < cluster < Application: the last layer with a rule for the kind decides', () => {
    const cluster = [rule('HealthRule certs', 'false')];
    const app = [rule('Application shop/web spec.healthChecks[0]', `self.status.notAfter == '2020-01-01T00:00:00Z'`)];
    assert.equal(assessHealth(certificate, healthRuleSet(builtinCelRules))?.status, 'Healthy');
    assert.equal(assessHealth(certificate, healthRuleSet(builtinCelRules, cluster))?.status, 'Progressing');
    assert.equal(assessHealth(certificate, healthRuleSet(builtinCelRules, cluster, app))?.status, 'Healthy');
  });

  it('a CEL rule for a kind with a rule of its own replaces it', () => {
    const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'shop', generation: 1 }, status: {} };
    const strict: CelHealthRule = { group: 'apps', kind: 'Deployment', source: 'test', failed: 'true', message: `'never'` };
    assert.deepEqual(assessHealth(deployment, healthRuleSet([strict])), { status: 'Degraded', message: 'never' });
  });

  it('a rule that does not compile is Degraded with its source, never Healthy', () => {
    const broken = rule('HealthRule certs spec.rules[0]', 'self.status.(');
    const health = assessHealth(certificate, healthRuleSet(builtinCelRules, [broken]));
    assert.ok(health);
    assert.equal(health.status, 'Degraded');
    assert.match(health.message, /HealthRule certs spec\.rules\[0\] current:/);
  });

  it('a * rule is tried only when its match holds, after the kind\'s own rule', () => {
    const anyPaused: CelHealthRule = { group: '*', kind: '*', source: 'test', match: `has(self.spec) && has(self.spec.paused)`, suspended: 'self.spec.paused' };
    const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { paused: true } };
    const other: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} };
    assert.equal(assessHealth(widget, healthRuleSet([anyPaused]))?.status, 'Suspended');
    assert.equal(assessHealth(other, healthRuleSet([anyPaused])), undefined);
    const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { paused: true }, status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } };
    assert.equal(assessHealth(job, healthRuleSet([anyPaused]))?.status, 'Healthy');
  });
});
