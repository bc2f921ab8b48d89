import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterCapabilities } from './discovery.ts';
import { KubeApiError, type RestClient } from './rest.ts';

/** Discovery documents of a small cluster; `down` makes every read fail as an unreachable server would. */
function fakeServer(gitVersion: string) {
  const state = { reads: 0, down: false, gitVersion };
  const documents: Record<string, unknown> = {
    '/api': { versions: ['v1'] },
    '/apis': { groups: [{ versions: [{ groupVersion: 'apps/v1' }] }, { versions: [{ groupVersion: 'metrics.k8s.io/v1beta1' }] }] },
    '/api/v1': { resources: [{ name: 'configmaps', kind: 'ConfigMap' }, { name: 'pods', kind: 'Pod' }, { name: 'pods/status', kind: 'Pod' }] },
    '/apis/apps/v1': { resources: [{ name: 'deployments', kind: 'Deployment' }, { name: 'deployments/scale', kind: 'Scale' }] },
  };
  const rest: Pick<RestClient, 'request'> = {
    request(_method, path) {
      if (path === '/version') state.reads += 1;
      if (state.down) return Promise.reject(new Error('connect ECONNREFUSED'));
      if (path === '/version') return Promise.resolve({ status: 200, body: { gitVersion: state.gitVersion } });
      // An aggregated API whose backend is down answers 503.
      if (path === '/apis/metrics.k8s.io/v1beta1') return Promise.reject(new KubeApiError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request', undefined));
      return Promise.resolve({ status: 200, body: documents[path] });
    },
  };
  return { rest, state };
}

describe('the cluster capabilities helm is given', () => {
  it('lists group/versions and group/version/Kinds without subresources, and the version without build metadata', async () => {
    const { rest } = fakeServer('v1.34.1+k3s1');
    assert.deepEqual(await clusterCapabilities(rest)(), {
      kubeVersion: 'v1.34.1',
      apiVersions: ['apps/v1', 'apps/v1/Deployment', 'metrics.k8s.io/v1beta1', 'v1', 'v1/ConfigMap', 'v1/Pod'],
    });
  });

  it('keeps a pre-release such as a vendor suffix, which kubeVersion ranges ending in -0 accept', async () => {
    const { rest } = fakeServer('v1.30.2-eks-1a2b3c');
    assert.equal((await clusterCapabilities(rest)()).kubeVersion, 'v1.30.2-eks-1a2b3c');
  });

  it('refuses a version that is not one', async () => {
    const { rest } = fakeServer('--post-renderer=/bin/sh');
    await assert.rejects(clusterCapabilities(rest)(), /GET \/version: gitVersion "--post-renderer=\/bin\/sh" is not a Kubernetes version/);
  });

  it('reads once per maxAge, and keeps the last answer when a refresh fails', async () => {
    const { rest, state } = fakeServer('v1.33.0');
    let clock = 0;
    const capabilities = clusterCapabilities(rest, { maxAgeMs: 1000, now: () => clock });
    await Promise.all([capabilities(), capabilities()]);
    assert.equal(state.reads, 1, 'concurrent first calls share one read');
    clock = 999;
    await capabilities();
    assert.equal(state.reads, 1);

    clock = 1000;
    state.gitVersion = 'v1.34.0';
    assert.equal((await capabilities()).kubeVersion, 'v1.34.0', 'an upgrade is seen after maxAge');
    assert.equal(state.reads, 2);

    clock = 5000;
    state.down = true;
    assert.equal((await capabilities()).kubeVersion, 'v1.34.0', 'a failed refresh keeps the last answer');
  });

  it('throws when the first read fails, and tries again on the next call', async () => {
    const { rest, state } = fakeServer('v1.33.0');
    state.down = true;
    const capabilities = clusterCapabilities(rest);
    await assert.rejects(capabilities(), /ECONNREFUSED/);
    state.down = false;
    assert.equal((await capabilities()).kubeVersion, 'v1.33.0');
  });
});
