import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assessWithCelRule, celRuleErrors } from '../cel-rules.ts';
import { builtinCelRules, findCelRule } from './builtin.ts';

function object(apiVersion: string, kind: string, generation: number, status: object | undefined): unknown {
  return { apiVersion, kind, metadata: { name: 'x', generation }, ...(status === undefined ? {} : { status }) };
}

// [what, group, apiVersion, kind, object, expected]
const rows: [string, string, string, string, unknown, string][] = [
  ['Certificate ready', 'cert-manager.io', 'cert-manager.io/v1', 'Certificate', object('cert-manager.io/v1', 'Certificate', 1, { conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired' }] }), 'Healthy'],
  ['Certificate issuing', 'cert-manager.io', 'cert-manager.io/v1', 'Certificate', object('cert-manager.io/v1', 'Certificate', 1, { conditions: [{ type: 'Issuing', status: 'True', reason: 'DoesNotExist' }, { type: 'Ready', status: 'False', reason: 'DoesNotExist' }] }), 'Progressing'],
  ['Certificate failed', 'cert-manager.io', 'cert-manager.io/v1', 'Certificate', object('cert-manager.io/v1', 'Certificate', 1, { conditions: [{ type: 'Ready', status: 'False', reason: 'Failed', message: 'The certificate request has failed to complete' }] }), 'Degraded'],
  ['Certificate no status (unknown yet)', 'cert-manager.io', 'cert-manager.io/v1', 'Certificate', object('cert-manager.io/v1', 'Certificate', 1, undefined), 'Progressing'],
  ['Certificate v1alpha2 ready (older API)', 'cert-manager.io', 'cert-manager.io/v1alpha2', 'Certificate', object('cert-manager.io/v1alpha2', 'Certificate', 2, { conditions: [{ type: 'Ready', status: 'True' }] }), 'Healthy'],
  ['Issuer ready', 'cert-manager.io', 'cert-manager.io/v1', 'Issuer', object('cert-manager.io/v1', 'Issuer', 1, { conditions: [{ type: 'Ready', status: 'True', reason: 'ACMEAccountRegistered' }] }), 'Healthy'],
  ['Issuer not ready', 'cert-manager.io', 'cert-manager.io/v1', 'Issuer', object('cert-manager.io/v1', 'Issuer', 1, { conditions: [{ type: 'Ready', status: 'False', reason: 'ErrRegisterACMEAccount' }] }), 'Degraded'],
  ['Kustomization ready', 'kustomize.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io/v1', 'Kustomization', object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 3, { observedGeneration: 3, conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded' }] }), 'Healthy'],
  ['Kustomization stale generation', 'kustomize.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io/v1beta2', 'Kustomization', object('kustomize.toolkit.fluxcd.io/v1beta2', 'Kustomization', 4, { observedGeneration: 3, conditions: [{ type: 'Ready', status: 'True' }] }), 'Progressing'],
  ['Kustomization progressing', 'kustomize.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io/v1', 'Kustomization', object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 1, { observedGeneration: 1, conditions: [{ type: 'Reconciling', status: 'True' }, { type: 'Ready', status: 'Unknown', reason: 'Progressing' }] }), 'Progressing'],
  ['HelmRelease failed', 'helm.toolkit.fluxcd.io', 'helm.toolkit.fluxcd.io/v2', 'HelmRelease', object('helm.toolkit.fluxcd.io/v2', 'HelmRelease', 1, { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'InstallFailed' }] }), 'Degraded'],
  ['GitRepository stalled', 'source.toolkit.fluxcd.io', 'source.toolkit.fluxcd.io/v1', 'GitRepository', object('source.toolkit.fluxcd.io/v1', 'GitRepository', 1, { observedGeneration: 1, conditions: [{ type: 'Stalled', status: 'True', reason: 'URLInvalid' }] }), 'Degraded'],
  ['ScaledObject ready', 'keda.sh', 'keda.sh/v1alpha1', 'ScaledObject', object('keda.sh/v1alpha1', 'ScaledObject', 1, { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Active', status: 'False' }] }), 'Healthy'],
  ['ExternalSecret failed', 'external-secrets.io', 'external-secrets.io/v1beta1', 'ExternalSecret', object('external-secrets.io/v1beta1', 'ExternalSecret', 1, { conditions: [{ type: 'Ready', status: 'False', reason: 'SecretSyncedError' }] }), 'Degraded'],
];

for (const [what, group, , kind, live, expected] of rows) {
  test(`built-in rule: ${what} → ${expected}`, () => {
    const rule = findCelRule(builtinCelRules, group, kind);
    assert.ok(rule, `no rule for ${kind}.${group}`);
    assert.equal(assessWithCelRule(rule, live).status, expected);
  });
}

test('every built-in rule compiles', () => {
  assert.deepEqual(builtinCelRules.flatMap((rule) => celRuleErrors(rule)), []);
});

test('a later rule for the same kind overrides an earlier one', () => {
  const override = { group: 'cert-manager.io', kind: 'Issuer', source: 'override', current: 'true' };
  assert.equal(findCelRule([...builtinCelRules, override], 'cert-manager.io', 'Issuer'), override);
});
