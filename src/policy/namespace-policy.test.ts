import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../objects.ts';
import { InvalidSourceError } from '../errors.ts';
import { checkDestinationPolicy } from './destination-policy.ts';
import { namespacePolicyFrom } from './namespace-policy.ts';
import { defaultSecurityPolicy, type SecurityPolicy } from './policy.ts';
import { checkSourcePolicy } from './source-policy.ts';

const policy = (overrides: Partial<SecurityPolicy> = {}): SecurityPolicy => ({ ...defaultSecurityPolicy, ...overrides });
const configMap = (name: string, namespace?: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace ? { namespace } : {}) } });
const berthPolicy = (name: string, spec: unknown): KubeObject => ({ apiVersion: 'berth.dev/v1alpha1', kind: 'BerthPolicy', metadata: { name }, spec });

describe('the BerthPolicies of a namespace', () => {
  const objects = [
    berthPolicy('team-a', { namespaces: ['team-a'], allowedRepos: ['https://github.com/team-a/*'], allowedDestinations: ['team-a', 'team-a-*'], allowClusterScoped: false }),
    berthPolicy('other', { namespaces: ['team-b'], allowedRepos: ['https://github.com/team-b/*'] }),
  ];
  const teamA = namespacePolicyFrom(objects, 'team-a', 'berth');

  it('keeps only the BerthPolicies whose namespace globs match, with defaults that narrow nothing', () => {
    assert.deepEqual(teamA, {
      namespace: 'team-a', controllerNamespace: 'berth',
      rules: [{
        source: 'BerthPolicy team-a', allowedRepos: ['https://github.com/team-a/*'], allowedDestinations: ['team-a', 'team-a-*'],
        allowClusterScoped: false, allowedKinds: [], deniedKinds: [], allowedClusters: [],
      }],
    });
    assert.deepEqual(namespacePolicyFrom(objects, 'team-c', 'berth').rules, []);
    assert.deepEqual(namespacePolicyFrom([berthPolicy('all-teams', { namespaces: ['team-*'] })], 'team-c', 'berth').rules.map((rules) => rules.source), ['BerthPolicy all-teams']);
  });

  it('fails closed on an invalid BerthPolicy that names the namespace, naming the object and the field', () => {
    const bad = [berthPolicy('broken', { namespaces: ['team-a'], allowedKinds: ['Deployment'] })];
    assert.throws(() => namespacePolicyFrom(bad, 'team-a', 'berth'), (error: unknown) => error instanceof InvalidSourceError && error.reason === 'NotAllowed'
      && error.message.startsWith('BerthPolicy broken is invalid (spec.allowedKinds[0]: must be a group/Kind glob'));
    assert.deepEqual(namespacePolicyFrom(bad, 'team-b', 'berth').rules, [], 'other namespaces are not held up');
    // When even spec.namespaces cannot be read, nobody knows whom it was for: every namespace is refused.
    assert.throws(() => namespacePolicyFrom([berthPolicy('no-namespaces', { allowedRepos: [] })], 'team-b', 'berth'), /BerthPolicy no-namespaces is invalid \(spec\.namespaces: /);
    assert.throws(() => namespacePolicyFrom([berthPolicy('typo', { namespaces: ['team-a'], allowedRepo: ['x'] })], 'team-a', 'berth'), /BerthPolicy typo is invalid/);
  });

  it('narrows the repositories the controller allows, naming itself as the rule', () => {
    assert.deepEqual(checkSourcePolicy('https://github.com/team-a/web.git', policy(), teamA), { allowed: true });
    assert.deepEqual(checkSourcePolicy('https://github.com/team-b/web.git', policy(), teamA), {
      allowed: false, rule: 'BerthPolicy team-a allowedRepos',
      message: 'repository https://github.com/team-b/web.git is not allowed by BerthPolicy team-a allowedRepos (https://github.com/team-a/*)',
    });
  });

  it('cannot widen: the controller and every matching BerthPolicy must allow', () => {
    const decision = checkSourcePolicy('https://github.com/team-a/web.git', policy({ allowedRepos: ['https://gitlab.com/*'] }), teamA);
    assert.equal(decision.allowed, false);
    assert.equal(decision.rule, '--allowed-repos');
    const widening = namespacePolicyFrom([berthPolicy('wide', { namespaces: ['*'], allowClusterScoped: true, allowedDestinations: ['*'] })], 'team-a', 'berth');
    const cluster = checkDestinationPolicy({
      destinationNamespace: 'team-a', namespacePolicy: widening,
      objects: [{ object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }, scope: 'Cluster' }],
    }, policy({ allowClusterScoped: false }));
    assert.equal(cluster.allowed, false);
    assert.equal(cluster.rule, '--allow-cluster-scoped');
    // Two BerthPolicies for one namespace: their intersection.
    const both = namespacePolicyFrom([
      berthPolicy('a-wide', { namespaces: ['team-a'], allowedRepos: ['https://github.com/**'] }),
      berthPolicy('b-narrow', { namespaces: ['team-*'], allowedRepos: ['https://github.com/team-a/*'] }),
    ], 'team-a', 'berth');
    assert.equal(checkSourcePolicy('https://github.com/team-a/web.git', policy(), both).allowed, true);
    assert.deepEqual(checkSourcePolicy('https://github.com/team-b/web.git', policy(), both), {
      allowed: false, rule: 'BerthPolicy b-narrow allowedRepos',
      message: 'repository https://github.com/team-b/web.git is not allowed by BerthPolicy b-narrow allowedRepos (https://github.com/team-a/*)',
    });
  });

  it('narrows destinations and cluster-scoped kinds', () => {
    const outside = checkDestinationPolicy({ destinationNamespace: 'team-a', namespacePolicy: teamA, objects: [{ object: configMap('x', 'team-b'), scope: 'Namespaced' }] }, policy());
    assert.deepEqual(outside, {
      allowed: false, rule: 'BerthPolicy team-a allowedDestinations',
      message: 'ConfigMap/team-b/x: namespace team-b is not allowed by BerthPolicy team-a allowedDestinations (team-a, team-a-*)',
    });
    const role: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' } };
    const cluster = checkDestinationPolicy({ destinationNamespace: 'team-a', namespacePolicy: teamA, objects: [{ object: role, scope: 'Cluster' }] }, policy());
    assert.deepEqual(cluster, {
      allowed: false, rule: 'BerthPolicy team-a allowClusterScoped',
      message: 'cluster-scoped objects are not allowed by BerthPolicy team-a allowClusterScoped=false: ClusterRole/r',
    });
    assert.deepEqual(checkDestinationPolicy({ destinationNamespace: 'team-a-web', namespacePolicy: teamA, objects: [{ object: configMap('x'), scope: 'Namespaced' }] }, policy()), { allowed: true });
  });
});
