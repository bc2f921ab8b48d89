import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../objects.ts';
import { checkDestinationPolicy, type KindScope } from './destination-policy.ts';
import { defaultSecurityPolicy, type SecurityPolicy } from './policy.ts';

const policy = (overrides: Partial<SecurityPolicy> = {}): SecurityPolicy => ({ ...defaultSecurityPolicy, ...overrides });
const object = (kind: string, name: string, namespace?: string, apiVersion = 'v1', extra: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra });
const scoped = (o: KubeObject, scope: KindScope = 'Namespaced') => ({ object: o, scope });

describe('checkDestinationPolicy', () => {
  it('allows everything by default', () => {
    const decision = checkDestinationPolicy({ destinationNamespace: 'web', objects: [scoped(object('ConfigMap', 'a')), scoped(object('ClusterRole', 'r', undefined, 'rbac.authorization.k8s.io/v1'), 'Cluster')] }, policy());
    assert.deepEqual(decision, { allowed: true });
  });

  it('refuses a destination namespace outside --allowed-destinations, naming the patterns', () => {
    const decision = checkDestinationPolicy({ destinationNamespace: 'kube-system', objects: [] }, policy({ allowedDestinations: ['team-*'] }));
    assert.deepEqual(decision, { allowed: false, rule: '--allowed-destinations', message: 'destination namespace kube-system is not allowed by --allowed-destinations (team-*)' });
  });

  it('refuses an object whose own namespace is outside the allowed ones', () => {
    const decision = checkDestinationPolicy({
      destinationNamespace: 'team-a',
      objects: [scoped(object('ConfigMap', 'ok')), scoped(object('Secret', 'steal', 'kube-system'))],
    }, policy({ allowedDestinations: ['team-*'] }));
    assert.equal(decision.allowed, false);
    assert.equal(decision.rule, '--allowed-destinations');
    assert.equal(decision.message, 'Secret/kube-system/steal: namespace kube-system is not allowed by --allowed-destinations (team-*)');
  });

  it('refuses cluster-scoped kinds when --allow-cluster-scoped=false, using discovery and rendered CRDs', () => {
    const crd = object('CustomResourceDefinition', 'widgets.acme.dev', undefined, 'apiextensions.k8s.io/v1', { spec: { group: 'acme.dev', scope: 'Cluster', names: { kind: 'Widget' } } });
    const decision = checkDestinationPolicy({
      destinationNamespace: 'team-a',
      objects: [scoped(object('ConfigMap', 'ok')), scoped(crd, 'Cluster'), { object: object('Widget', 'w', undefined, 'acme.dev/v1'), scope: undefined }],
    }, policy({ allowClusterScoped: false }));
    assert.equal(!decision.allowed && decision.rule, '--allow-cluster-scoped');
    assert.equal(!decision.allowed && decision.message,
      'cluster-scoped objects are not allowed by --allow-cluster-scoped=false: CustomResourceDefinition/widgets.acme.dev; Widget/w');
  });

  it('treats a Namespace object as a destination', () => {
    const decision = checkDestinationPolicy({ destinationNamespace: 'team-a', objects: [scoped(object('Namespace', 'prod'), 'Cluster')] }, policy({ allowedDestinations: ['team-*'] }));
    assert.equal(!decision.allowed && decision.message, 'Namespace/prod: namespace prod is not allowed by --allowed-destinations (team-*)');
  });

  it('counts what it does not list', () => {
    const objects = ['a', 'b', 'c', 'd', 'e'].map((name) => scoped(object('ConfigMap', name, 'other')));
    const decision = checkDestinationPolicy({ destinationNamespace: 'team-a', objects }, policy({ allowedDestinations: ['team-a'] }));
    assert.match(!decision.allowed ? decision.message : '', /ConfigMap\/other\/c: .*; and 2 more$/);
  });
});
