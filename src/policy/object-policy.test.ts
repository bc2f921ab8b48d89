import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, ObjectRef } from '../../objects.ts';
import { checkDestinationPolicy, type KindScope } from './destination-policy.ts';
import { mayDelete, type ApplicationPolicy } from './object-policy.ts';
import { defaultSecurityPolicy, type NamespacePolicy, type NamespaceRules } from './policy.ts';

const rules = (overrides: Partial<NamespaceRules>): NamespaceRules => ({
  source: 'BerthPolicy team', allowedRepos: [], allowedDestinations: [], allowClusterScoped: true, allowedKinds: [], deniedKinds: [], allowedClusters: [], ...overrides,
});
const namespacePolicy = (namespace: string, narrowing: NamespaceRules[] = []): NamespacePolicy => ({ namespace, controllerNamespace: 'berth', rules: narrowing });
const object = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject =>
  ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });

/** [what, Application namespace, rendered object, its scope, BerthPolicy rules, expected message or undefined (allowed)] */
const applyCases: [string, string, KubeObject, KindScope, NamespaceRules[], string | undefined][] = [
  ['a BerthPolicy, from any Application', 'berth', object('berth.dev/v1alpha1', 'BerthPolicy', 'wide'), 'Cluster', [],
    'BerthPolicy/wide: a BerthPolicy is Berth\'s own policy: only a cluster admin writes one, never an Application'],
  ['the Application CRD', 'team-a', object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'applications.berth.dev'), 'Cluster', [],
    'CustomResourceDefinition/applications.berth.dev: Berth\'s own CustomResourceDefinition: no Application may write or delete it'],
  ['the BerthPolicy CRD, even from the controller namespace', 'berth', object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'berthpolicies.berth.dev'), 'Cluster', [],
    'CustomResourceDefinition/berthpolicies.berth.dev: Berth\'s own CustomResourceDefinition: no Application may write or delete it'],
  ['a HealthRule from a tenant Application', 'team-a', object('berth.dev/v1alpha1', 'HealthRule', 'certs'), 'Cluster', [],
    'HealthRule/certs: a HealthRule decides what is Healthy for every Application: only Applications in the controller\'s namespace berth may write one'],
  ['a HealthRule from the platform team\'s Application in the controller namespace', 'berth', object('berth.dev/v1alpha1', 'HealthRule', 'certs'), 'Cluster', [], undefined],
  ['the HealthRule CRD', 'berth', object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'healthrules.berth.dev'), 'Cluster', [],
    'CustomResourceDefinition/healthrules.berth.dev: Berth\'s own CustomResourceDefinition: no Application may write or delete it'],
  ['another CRD of berth.dev\'s neighbours', 'team-a', object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.acme.dev'), 'Cluster', [], undefined],
  ['a release record in the tenant namespace', 'team-a', object('v1', 'ConfigMap', 'berth-release-web'), 'Namespaced', [],
    'ConfigMap/team-a/berth-release-web: berth-release-* ConfigMaps are Berth\'s release records: no Application may write or delete one'],
  ['a release record from the controller namespace', 'berth', object('v1', 'ConfigMap', 'berth-release-web', 'berth'), 'Namespaced', [],
    'ConfigMap/berth/berth-release-web: berth-release-* ConfigMaps are Berth\'s release records: no Application may write or delete one'],
  ['a Secret in the controller namespace from a tenant', 'team-a', object('v1', 'Secret', 'cluster-prod', 'berth'), 'Namespaced', [],
    'Secret/berth/cluster-prod: the controller\'s namespace berth (--controller-namespace) is Berth\'s own: only Applications in it may write there'],
  ['the controller Namespace itself from a tenant', 'team-a', object('v1', 'Namespace', 'berth'), 'Cluster', [],
    'Namespace/berth: the controller\'s namespace berth (--controller-namespace) is Berth\'s own: only Applications in it may write there'],
  ['a Secret in the controller namespace from its own Application', 'berth', object('v1', 'Secret', 'cluster-prod', 'berth'), 'Namespaced', [], undefined],
  ['a denied kind', 'team-a', object('v1', 'Secret', 's'), 'Namespaced', [rules({ deniedKinds: ['core/Secret'] })],
    'Secret/team-a/s: kind core/Secret is denied by BerthPolicy team deniedKinds (core/Secret)'],
  ['a kind outside allowedKinds', 'team-a', object('apps/v1', 'Deployment', 'd'), 'Namespaced', [rules({ allowedKinds: ['core/*'] })],
    'Deployment/team-a/d: kind apps/Deployment is not allowed by BerthPolicy team allowedKinds (core/*)'],
  ['denied wins over allowed', 'team-a', object('v1', 'Secret', 's'), 'Namespaced', [rules({ allowedKinds: ['core/*'], deniedKinds: ['*/Secret'] })],
    'Secret/team-a/s: kind core/Secret is denied by BerthPolicy team deniedKinds (*/Secret)'],
  ['an allowed kind', 'team-a', object('apps/v1', 'Deployment', 'd'), 'Namespaced', [rules({ allowedKinds: ['apps/*'] })], undefined],
];

describe('what no Application may write, and kinds a BerthPolicy narrows', () => {
  for (const [what, namespace, rendered, scope, narrowing, expected] of applyCases) {
    it(`${expected === undefined ? 'allows' : 'refuses'} ${what}`, () => {
      const decision = checkDestinationPolicy({ destinationNamespace: namespace, objects: [{ object: rendered, scope }], namespacePolicy: namespacePolicy(namespace, narrowing) }, defaultSecurityPolicy);
      assert.deepEqual(decision.allowed ? undefined : decision.message, expected);
    });
  }

  it('refuses Berth\'s own policy before any other refusal, naming the rule berth-state', () => {
    const decision = checkDestinationPolicy({
      destinationNamespace: 'team-a', namespacePolicy: namespacePolicy('team-a'),
      objects: [{ object: object('v1', 'ConfigMap', 'x', 'elsewhere'), scope: 'Namespaced' }, { object: object('berth.dev/v1alpha1', 'BerthPolicy', 'p'), scope: undefined }],
    }, { ...defaultSecurityPolicy, allowedDestinations: ['team-a'] });
    assert.equal(!decision.allowed && decision.rule, 'berth-state');
  });

  it('refuses a BerthPolicy and Berth\'s CRDs even without a namespace policy', () => {
    const decision = checkDestinationPolicy({ destinationNamespace: 'team-a', objects: [{ object: object('berth.dev/v1alpha1', 'BerthPolicy', 'p'), scope: 'Cluster' }] }, defaultSecurityPolicy);
    assert.equal(decision.allowed, false);
  });
});

const ref = (group: string, kind: string, namespace: string, name: string): ObjectRef => ({ group, version: 'v1', kind, namespace, name });
const tenant: ApplicationPolicy = {
  security: { ...defaultSecurityPolicy, allowedDestinations: ['team-*'] },
  namespace: namespacePolicy('team-a', [rules({ allowedDestinations: ['team-a'], allowClusterScoped: false, deniedKinds: ['rbac.authorization.k8s.io/*'] })]),
};

/** [what, prune candidate, policy, expected refusal or undefined] */
const deleteCases: [string, ObjectRef, ApplicationPolicy, string | undefined][] = [
  ['an object in its own namespace', ref('', 'ConfigMap', 'team-a', 'web'), tenant, undefined],
  ['an object outside --allowed-destinations', ref('', 'ConfigMap', 'kube-system', 'x'), tenant,
    'ConfigMap/kube-system/x: may not be deleted: namespace kube-system is not allowed by --allowed-destinations (team-*)'],
  ['an object outside the BerthPolicy destinations', ref('', 'ConfigMap', 'team-b', 'x'), tenant,
    'ConfigMap/team-b/x: may not be deleted: namespace team-b is not allowed by BerthPolicy team allowedDestinations (team-a)'],
  ['a Namespace', ref('', 'Namespace', '', 'team-a'), tenant,
    'Namespace/team-a: may not be deleted: cluster-scoped objects are not allowed by BerthPolicy team allowClusterScoped=false'],
  ['a denied kind', ref('rbac.authorization.k8s.io', 'Role', 'team-a', 'r'), tenant,
    'Role/team-a/r: may not be deleted: kind rbac.authorization.k8s.io/Role is denied by BerthPolicy team deniedKinds (rbac.authorization.k8s.io/*)'],
  ['a release record', ref('', 'ConfigMap', 'team-a', 'berth-release-web'), tenant,
    'ConfigMap/team-a/berth-release-web: may not be deleted: berth-release-* ConfigMaps are Berth\'s release records: no Application may write or delete one'],
  ['a BerthPolicy under the default policy', ref('berth.dev', 'BerthPolicy', '', 'p'), { security: defaultSecurityPolicy, namespace: undefined },
    'BerthPolicy/p: may not be deleted: a BerthPolicy is Berth\'s own policy: only a cluster admin writes one, never an Application'],
  ['a Namespace outside the destinations, cluster-scoped allowed', ref('', 'Namespace', '', 'kube-system'), { security: { ...defaultSecurityPolicy, allowedDestinations: ['team-*'] }, namespace: undefined },
    'Namespace/kube-system: may not be deleted: namespace kube-system is not allowed by --allowed-destinations (team-*)'],
  ['a ClusterRole under the default policy', ref('rbac.authorization.k8s.io', 'ClusterRole', '', 'r'), { security: defaultSecurityPolicy, namespace: undefined }, undefined],
];

describe('mayDelete', () => {
  for (const [what, candidate, policy, expected] of deleteCases) {
    it(`${expected === undefined ? 'lets prune delete' : 'refuses'} ${what}`, () => {
      assert.equal(mayDelete(candidate, policy), expected);
    });
  }
});
