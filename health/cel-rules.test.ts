import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assessWithCelRule, celRuleErrors, type CelHealthRule } from './cel-rules.ts';

const certificate: CelHealthRule = {
  group: 'cert-manager.io',
  kind: 'Certificate',
  source: 'test rule',
  failed: `self.status.conditions.exists(c, c.type == 'Ready' && c.status == 'False' && c.reason == 'Failed')`,
  inProgress: `self.status.conditions.exists(c, c.type == 'Issuing' && c.status == 'True')`,
  current: `self.status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')`,
  message: `self.status.conditions.filter(c, c.type == 'Ready').map(c, c.message).join('')`,
};

function withConditions(conditions: object[]): unknown {
  return { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', status: { conditions } };
}

const rows: [string, unknown, string][] = [
  ['ready', withConditions([{ type: 'Ready', status: 'True', message: 'Certificate is up to date' }]), 'Healthy'],
  ['issuing', withConditions([{ type: 'Issuing', status: 'True' }, { type: 'Ready', status: 'False', reason: 'DoesNotExist' }]), 'Progressing'],
  ['failed', withConditions([{ type: 'Ready', status: 'False', reason: 'Failed', message: 'issuance failed' }]), 'Degraded'],
  ['no conditions yet', withConditions([]), 'Progressing'],
];

for (const [name, object, status] of rows) {
  test(`Certificate rule: ${name} → ${status}`, () => {
    assert.equal(assessWithCelRule(certificate, object).status, status);
  });
}

test('failed is checked before current', () => {
  const object = withConditions([{ type: 'Ready', status: 'True' }, { type: 'Ready', status: 'False', reason: 'Failed' }]);
  assert.equal(assessWithCelRule(certificate, object).status, 'Degraded');
});

test('a rule that does not compile is reported with its source and is never Healthy', () => {
  const broken: CelHealthRule = { group: 'x', kind: 'Y', source: 'Application a/b spec.healthChecks[0]', current: 'self.status.(' };
  assert.match(celRuleErrors(broken)[0] ?? '', /spec\.healthChecks\[0\] current:/);
  const health = assessWithCelRule(broken, { status: {} });
  assert.equal(health.status, 'Degraded');
  assert.match(health.message, /health rule error/);
});

test('an evaluation error (missing field) is Degraded, never Healthy', () => {
  const health = assessWithCelRule(certificate, { kind: 'Certificate' });
  assert.equal(health.status, 'Degraded');
});

test('a rule refused when it was built is Degraded with why, never Healthy', () => {
  const refused: CelHealthRule = { group: 'x', kind: 'Y', source: 'Application a/b spec.healthChecks[1]', current: 'true', error: 'current: matches() is not allowed here' };
  assert.deepEqual(assessWithCelRule(refused, {}), { status: 'Degraded', message: 'health rule error: Application a/b spec.healthChecks[1]: current: matches() is not allowed here' });
  assert.equal(celRuleErrors(refused).length, 1);
});
