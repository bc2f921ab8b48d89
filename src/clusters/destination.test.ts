import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterConfig } from './cluster-secret.ts';
import { decideDestination, type DestinationRequest, type KnownCluster } from './destination.ts';

const cluster = (name: string, overrides: Partial<ClusterConfig> = {}): KnownCluster => ({
  ok: true,
  config: {
    name, server: `https://${name}.example:6443`, auth: { kind: 'token', bearerToken: 't', insecure: false },
    namespaces: [], applicationNamespaces: ['*'], qps: 50, burst: 100, concurrency: undefined, version: '1', source: `Secret berth/${name}`,
    ...overrides,
  },
});
const clusters: KnownCluster[] = [
  cluster('prod'),
  cluster('staging', { namespaces: ['web-*'], applicationNamespaces: ['team-a'] }),
  { ok: false, name: 'broken', source: 'Secret berth/broken', message: 'Secret berth/broken: data.config is not JSON' },
];
const request = (destination: DestinationRequest['destination'], overrides: Partial<DestinationRequest> = {}): DestinationRequest => ({
  applicationNamespace: 'team-a', destination, policyClusters: [], ...overrides,
});

describe('decideDestination', () => {
  const table: [string, DestinationRequest, string, RegExp?][] = [
    ['no name and no server: the cluster Berth runs in', request({ namespace: 'web' }), 'local in-cluster'],
    ['name in-cluster', request({ name: 'in-cluster', namespace: 'web' }), 'local in-cluster'],
    ['the in-cluster URL', request({ server: 'https://kubernetes.default.svc/', namespace: 'web' }), 'local in-cluster'],
    ['a cluster by name', request({ name: 'prod', namespace: 'web' }), 'remote prod'],
    ['a cluster by server, trailing slash and all', request({ server: 'https://prod.example:6443/', namespace: 'web' }), 'remote prod'],
    ['a namespace the cluster allows', request({ name: 'staging', namespace: 'web-1' }), 'remote staging'],
    ['name and server both', request({ name: 'prod', server: 'https://prod.example:6443', namespace: 'web' }), 'refused prod', /give name or server, not both/],
    ['an unknown name', request({ name: 'qa', namespace: 'web' }), 'refused qa', /spec.destination.name qa: no cluster Secret/],
    ['an unknown server', request({ server: 'https://evil.example', namespace: 'web' }), 'refused https://evil.example', /spec.destination.server https:\/\/evil.example: no cluster Secret/],
    ['a Secret that does not parse', request({ name: 'broken', namespace: 'web' }), 'refused broken', /cluster broken: Secret berth\/broken: data.config is not JSON/],
    ['a destination namespace the cluster does not allow', request({ name: 'staging', namespace: 'kube-system' }), 'refused staging', /namespace kube-system is not among the namespaces Secret berth\/staging allows/],
    ['an Application namespace the cluster does not allow', request({ name: 'staging', namespace: 'web-1' }, { applicationNamespace: 'team-b' }), 'refused staging', /Applications of namespace team-b may not deploy there \(Secret berth\/staging data.applicationNamespaces\)/],
    ['a BerthPolicy that allows other clusters only', request({ name: 'prod', namespace: 'web' }, { policyClusters: [{ source: 'BerthPolicy team-a', allowedClusters: ['staging', 'in-cluster'] }] }), 'refused prod', /cluster prod is not allowed for namespace team-a by BerthPolicy team-a allowedClusters/],
    ['a BerthPolicy that keeps a tenant off the local cluster', request({ namespace: 'web' }, { policyClusters: [{ source: 'BerthPolicy remote-only', allowedClusters: ['prod*'] }] }), 'refused in-cluster', /cluster in-cluster is not allowed/],
    ['a BerthPolicy that allows it by glob', request({ name: 'prod', namespace: 'web' }, { policyClusters: [{ source: 'BerthPolicy a', allowedClusters: ['pro*'] }, { source: 'BerthPolicy b', allowedClusters: [] }] }), 'remote prod'],
  ];
  for (const [what, input, expected, message] of table) {
    it(what, () => {
      const decision = decideDestination(input, clusters);
      assert.equal(`${decision.kind} ${decision.name}`, expected);
      if (message) assert.match(decision.kind === 'refused' ? decision.message : '', message);
    });
  }
});
