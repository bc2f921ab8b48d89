import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { notificationProviderCrdFile, notificationProviderCrdYaml, notificationRuleCrdFile, notificationRuleCrdYaml } from './crd.ts';
import { providersFor, type KnownRule } from './match.ts';
import { notificationProviderExample, notificationProviderSpecSchema, notificationRuleExample, notificationRuleSpecSchema } from './schema.ts';

const root = path.resolve(import.meta.dirname, '../../..');

describe('the notification CRDs', () => {
  it('are the committed files that npm run generate writes', () => {
    assert.equal(fs.readFileSync(path.join(root, notificationProviderCrdFile), 'utf8'), notificationProviderCrdYaml());
    assert.equal(fs.readFileSync(path.join(root, notificationRuleCrdFile), 'utf8'), notificationRuleCrdYaml());
  });

  it('accept their own examples', () => {
    assert.ok(notificationProviderSpecSchema.safeParse(notificationProviderExample).success);
    assert.ok(notificationRuleSpecSchema.safeParse(notificationRuleExample).success);
  });

  it('give a tenant no field to name another namespace\'s Secret or provider', () => {
    const secret = notificationProviderSpecSchema.safeParse({ type: 'slack', secretRef: { name: 'tokens', namespace: 'berth-system' } });
    assert.equal(secret.success, false);
    assert.match(JSON.stringify(secret.error.issues), /namespace/);
    const provider = notificationRuleSpecSchema.safeParse({ providerRefs: [{ name: 'slack', namespace: 'team-b' }] });
    assert.equal(provider.success, false);
    assert.equal(notificationProviderSpecSchema.safeParse({ type: 'slack', secretRef: { name: '../other' } }).success, false);
  });
});

describe('which providers an event goes to', () => {
  const rule = (namespace: string, name: string, spec: KnownRule['spec']): KnownRule => ({ namespace, name, spec });
  const webInA = { namespace: 'team-a', name: 'web', labels: { tier: 'front' } };
  const rolledBack = { type: 'RolledBack' as const, severity: 'warning' as const };
  const synced = { type: 'Synced' as const, severity: 'info' as const };

  it('picks by name, label, type and severity, each provider once', () => {
    const rules = [
      rule('team-a', 'by-name', { providerRefs: [{ name: 'chat' }], applications: { names: ['web'] } }),
      rule('team-a', 'by-label', { providerRefs: [{ name: 'chat' }, { name: 'status' }], applications: { matchLabels: { tier: 'front' } }, events: ['RolledBack'] }),
      rule('team-a', 'other-label', { providerRefs: [{ name: 'pager' }], applications: { matchLabels: { tier: 'back' } } }),
      rule('team-a', 'errors-only', { providerRefs: [{ name: 'pager' }], severity: 'error' }),
      rule('team-a', 'suspended', { providerRefs: [{ name: 'pager' }], suspend: true }),
    ];
    assert.deepEqual(providersFor(rules, webInA, rolledBack, 'berth-system').map((p) => `${p.namespace}/${p.name}`), ['team-a/chat', 'team-a/status']);
    assert.deepEqual(providersFor(rules, webInA, synced, 'berth-system').map((p) => p.name), ['chat']);
    assert.deepEqual(providersFor(rules, webInA, { type: 'RollbackFailed', severity: 'error' }, 'berth-system').map((p) => p.name), ['chat', 'pager']);
  });

  it('never lets a tenant\'s rule pick another namespace\'s Application (abuse)', () => {
    const rules = [rule('team-b', 'spy', { providerRefs: [{ name: 'exfil' }], applications: { names: ['web'] } })];
    assert.deepEqual(providersFor(rules, webInA, rolledBack, 'berth-system'), []);
  });

  it('applies a rule of the controller\'s namespace to every namespace, with the controller\'s providers', () => {
    const rules = [rule('berth-system', 'all-rollbacks', { providerRefs: [{ name: 'ops' }], events: ['RolledBack'] })];
    assert.deepEqual(providersFor(rules, webInA, rolledBack, 'berth-system'), [{ namespace: 'berth-system', name: 'ops' }]);
    assert.deepEqual(providersFor(rules, webInA, synced, 'berth-system'), []);
  });
});
