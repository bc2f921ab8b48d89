import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../objects.ts';
import { KubeApiError, type RestResponse } from '../kube/rest.ts';
import { createBerthPolicyLookup } from './berth-policy-cache.ts';
import { berthPoliciesPath } from './berth-policy-schema.ts';

/** An API server that answers a BerthPolicy list and a ConfigMap get, and counts what it was asked. */
function apiServer(items: () => KubeObject[] | 'no-crd', configMaps: readonly string[] = []) {
  const asked: string[] = [];
  return {
    asked,
    request(method: string, path: string): Promise<RestResponse> {
      asked.push(path);
      if (path === berthPoliciesPath) {
        const listed = items();
        return listed === 'no-crd' ? Promise.reject(new KubeApiError(404, 'NotFound', 'not found', undefined)) : Promise.resolve({ status: 200, body: { items: listed } });
      }
      const configMap = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps\/berth-policy$/.exec(path);
      if (configMap && configMaps.includes(configMap[1] ?? '')) return Promise.resolve({ status: 200, body: {} });
      return Promise.reject(new KubeApiError(404, 'NotFound', `${method} ${path}: not found`, undefined));
    },
  };
}

const policy = (name: string, namespaces: string[]): KubeObject => ({ apiVersion: 'berth.dev/v1alpha1', kind: 'BerthPolicy', metadata: { name }, spec: { namespaces } });
const quiet = { warn: () => undefined };
const lists = (asked: readonly string[]): number => asked.filter((path) => path === berthPoliciesPath).length;

describe('the BerthPolicy lookup', () => {
  it('lists once for many reconciles at once and within 30 s, then lists again', async () => {
    let clock = 0;
    let current = [policy('a', ['team-a'])];
    const server = apiServer(() => current);
    const lookup = createBerthPolicyLookup({ rest: server, controllerNamespace: 'berth', log: quiet, now: () => clock });
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => lookup(i % 2 ? 'team-a' : 'team-b')));
    assert.equal(lists(server.asked), 1);
    assert.deepEqual(answers[1]?.rules.map((rules) => rules.source), ['BerthPolicy a']);
    assert.deepEqual(answers[0]?.rules, []);
    current = [policy('b', ['team-b'])];
    clock = 29_999;
    assert.deepEqual((await lookup('team-b')).rules, []);
    clock = 30_000;
    assert.deepEqual((await lookup('team-b')).rules.map((rules) => rules.source), ['BerthPolicy b']);
    assert.equal(lists(server.asked), 2);
  });

  it('narrows nothing when the CRD is not installed, and says so once', async () => {
    const warnings: string[] = [];
    const lookup = createBerthPolicyLookup({ rest: apiServer(() => 'no-crd'), controllerNamespace: 'berth', log: { warn: (_: unknown, message: string) => { warnings.push(message); } }, maxAgeMs: 0 });
    assert.deepEqual((await lookup('team-a')).rules, []);
    assert.deepEqual((await lookup('team-a')).rules, []);
    assert.equal(warnings.filter((message) => message.includes('CRD')).length, 1);
  });

  it('fails the reconcile when the list fails, never running it unnarrowed', async () => {
    const server = { request: () => Promise.reject(new KubeApiError(500, 'InternalError', 'etcd is down', undefined)) };
    const lookup = createBerthPolicyLookup({ rest: server, controllerNamespace: 'berth', log: quiet });
    await assert.rejects(lookup('team-a'), /etcd is down/);
  });
});
