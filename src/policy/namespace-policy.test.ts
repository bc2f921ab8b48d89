import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../objects.ts';
import { InvalidSourceError } from '../source/errors.ts';
import { checkDestinationPolicy } from './destination-policy.ts';
import { parseNamespacePolicy } from './namespace-policy.ts';
import { defaultSecurityPolicy, type SecurityPolicy } from './policy.ts';
import { checkSourcePolicy } from './source-policy.ts';

const policy = (overrides: Partial<SecurityPolicy> = {}): SecurityPolicy => ({ ...defaultSecurityPolicy, ...overrides });
const configMap = (name: string, namespace?: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace ? { namespace } : {}) } });

describe('a namespace berth-policy', () => {
  const teamA = parseNamespacePolicy('team-a', { allowedRepos: 'https://github.com/team-a/*', allowedDestinations: 'team-a, team-a-*', allowClusterScoped: 'false' });

  it('reads comma-separated lists and the cluster-scoped switch', () => {
    assert.deepEqual(teamA, {
      source: 'ConfigMap team-a/berth-policy', allowedRepos: ['https://github.com/team-a/*'],
      allowedDestinations: ['team-a', 'team-a-*'], allowClusterScoped: false,
    });
  });

  it('fails closed on an unknown key or a bad value, naming the ConfigMap', () => {
    assert.throws(() => parseNamespacePolicy('team-a', { allowedRepo: 'x' }),
      (error: unknown) => error instanceof InvalidSourceError && error.message === 'ConfigMap team-a/berth-policy: unknown key allowedRepo (expected allowedRepos, allowedDestinations, allowClusterScoped)');
    assert.throws(() => parseNamespacePolicy('team-a', { allowClusterScoped: 'no' }), /allowClusterScoped must be "true" or "false", not "no"/);
  });

  it('narrows the repositories the controller allows, naming itself as the rule', () => {
    assert.deepEqual(checkSourcePolicy('https://github.com/team-a/web.git', policy(), teamA), { allowed: true });
    assert.deepEqual(checkSourcePolicy('https://github.com/team-b/web.git', policy(), teamA), {
      allowed: false, rule: 'ConfigMap team-a/berth-policy allowedRepos',
      message: 'repository https://github.com/team-b/web.git is not allowed by ConfigMap team-a/berth-policy allowedRepos (https://github.com/team-a/*)',
    });
  });

  it('cannot widen the controller: both lists must allow', () => {
    const decision = checkSourcePolicy('https://github.com/team-a/web.git', policy({ allowedRepos: ['https://gitlab.com/*'] }), teamA);
    assert.equal(decision.allowed, false);
    assert.equal(decision.rule, '--allowed-repos');
    const widening = parseNamespacePolicy('team-a', { allowClusterScoped: 'true', allowedDestinations: '*' });
    const cluster = checkDestinationPolicy({
      destinationNamespace: 'team-a', namespacePolicy: widening,
      objects: [{ object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }, scope: 'Cluster' }],
    }, policy({ allowClusterScoped: false }));
    assert.equal(cluster.allowed, false);
    assert.equal(cluster.rule, '--allow-cluster-scoped');
  });

  it('narrows destinations and cluster-scoped kinds', () => {
    const outside = checkDestinationPolicy({ destinationNamespace: 'team-a', namespacePolicy: teamA, objects: [{ object: configMap('x', 'team-b'), scope: 'Namespaced' }] }, policy());
    assert.deepEqual(outside, {
      allowed: false, rule: 'ConfigMap team-a/berth-policy allowedDestinations',
      message: 'ConfigMap/team-b/x: namespace team-b is not allowed by ConfigMap team-a/berth-policy allowedDestinations (team-a, team-a-*)',
    });
    const role: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' } };
    const cluster = checkDestinationPolicy({ destinationNamespace: 'team-a', namespacePolicy: teamA, objects: [{ object: role, scope: 'Cluster' }] }, policy());
    assert.deepEqual(cluster, {
      allowed: false, rule: 'ConfigMap team-a/berth-policy allowClusterScoped',
      message: 'cluster-scoped objects are not allowed by ConfigMap team-a/berth-policy allowClusterScoped=false: ClusterRole/r',
    });
    assert.deepEqual(checkDestinationPolicy({ destinationNamespace: 'team-a-web', namespacePolicy: teamA, objects: [{ object: configMap('x'), scope: 'Namespaced' }] }, policy()), { allowed: true });
  });
});
