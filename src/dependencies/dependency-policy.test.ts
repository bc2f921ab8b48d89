import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NamespacePolicy, NamespaceRules } from '../policy/policy.ts';
import { dependencyRefusal } from './dependency-policy.ts';

// Spread, so the rules keep fields other policies add (allowedClusters) without naming them all here.
const others = { allowedClusters: [] };
const rules = (dependsOnNamespaces?: string[]): NamespaceRules => ({
  ...others,
  source: 'BerthPolicy team-a', allowedRepos: [], allowedDestinations: [], allowClusterScoped: true, allowedKinds: [], deniedKinds: [],
  ...(dependsOnNamespaces ? { dependsOnNamespaces } : {}),
});
const policy = (...list: NamespaceRules[]): NamespacePolicy => ({ namespace: 'team-a', controllerNamespace: 'berth', rules: list });

// [what, dependency namespace, policy, allowed]
const rows: [string, string, NamespacePolicy | undefined, boolean][] = [
  ['its own namespace, no policy', 'team-a', undefined, true],
  ['another namespace, no policy', 'platform', undefined, false],
  ['another namespace, a policy without the field', 'platform', policy(rules()), false],
  ['another namespace the policy lists', 'platform', policy(rules(['platform'])), true],
  ['another namespace a glob lists', 'platform-db', policy(rules(['platform-*'])), true],
  ['a namespace the glob does not list', 'team-b', policy(rules(['platform-*'])), false],
];

for (const [what, namespace, given, allowed] of rows) {
  test(`dependsOn: ${what} → ${allowed ? 'allowed' : 'refused'}`, () => {
    const refusal = dependencyRefusal('team-a', namespace, given);
    assert.equal(refusal === undefined, allowed, refusal);
    if (!allowed) assert.match(refusal ?? '', new RegExp(`namespace ${namespace} is not this Application's`));
  });
}
