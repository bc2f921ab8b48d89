import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../objects.ts';
import { isClusterSecret, parseClusterSecret } from './cluster-secret.ts';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
function secret(data: Record<string, string>, name = 'prod-eu'): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name, namespace: 'berth', resourceVersion: '7', labels: { 'berth.dev/secret-type': 'cluster' } },
    data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, b64(value)])),
  };
}
const token = JSON.stringify({ bearerToken: 't0ken', tlsClientConfig: { caData: b64('CA') } });

describe('parseClusterSecret', () => {
  it('reads an Argo CD style Secret, with the defaults', () => {
    const config = parseClusterSecret(secret({ name: 'prod-eu', server: 'https://10.0.0.1:6443/', config: token }));
    assert.deepEqual(config, {
      name: 'prod-eu', server: 'https://10.0.0.1:6443',
      auth: { kind: 'token', insecure: false, bearerToken: 't0ken', caData: b64('CA') },
      namespaces: [], applicationNamespaces: ['*'], qps: 50, burst: 100, concurrency: undefined,
      version: '7', source: 'Secret berth/prod-eu',
    });
  });

  it('reads a kubeconfig Secret with its context, the namespaces and the limits', () => {
    const config = parseClusterSecret(secret({
      server: 'https://eks.example:443', kubeconfig: 'apiVersion: v1\nclusters: []\n', context: 'admin@eks',
      namespaces: 'team-a, team-b-*', applicationNamespaces: 'team-a', qps: '5', burst: '9', concurrency: '2',
    }));
    assert.deepEqual(config.auth, { kind: 'kubeconfig', kubeconfig: 'apiVersion: v1\nclusters: []\n', context: 'admin@eks' });
    assert.equal(config.name, 'prod-eu'); // data.name absent: the Secret's name
    assert.deepEqual([config.namespaces, config.applicationNamespaces, config.qps, config.burst, config.concurrency], [['team-a', 'team-b-*'], ['team-a'], 5, 9, 2]);
  });

  const refused: [string, Record<string, string>, RegExp][] = [
    ['a name that is not a DNS name', { name: 'Prod EU', server: 'https://a', config: token }, /Secret berth\/prod-eu: data.name "Prod EU" must be a DNS name/],
    ['the local cluster\'s name', { name: 'in-cluster', server: 'https://a', config: token }, /"in-cluster" is the cluster Berth runs against/],
    ['a server that is not a URL', { server: 'kube:6443', config: token }, /data.server must be an https:\/\/ URL|data.server "kube:6443" is not a URL/],
    ['credentials in the server URL', { server: 'https://u:p@a', config: token }, /must not carry credentials/],
    ['neither config nor kubeconfig', { server: 'https://a' }, /exactly one of data.config and data.kubeconfig/],
    ['both config and kubeconfig', { server: 'https://a', config: token, kubeconfig: 'x' }, /exactly one of/],
    ['config that is not JSON', { server: 'https://a', config: '{' }, /data.config is not JSON/],
    ['an unknown config field', { server: 'https://a', config: JSON.stringify({ bearerToken: 'x', execProviderConfig: {} }) }, /unknown field "execProviderConfig"/],
    ['an unknown TLS field', { server: 'https://a', config: JSON.stringify({ bearerToken: 'x', tlsClientConfig: { serverName: 'k' } }) }, /tlsClientConfig: unknown field "serverName"/],
    ['no credentials', { server: 'https://a', config: JSON.stringify({ tlsClientConfig: { insecure: true } }) }, /has no credentials/],
    ['insecure that is not a boolean', { server: 'https://a', config: JSON.stringify({ bearerToken: 'x', tlsClientConfig: { insecure: 'yes' } }) }, /insecure must be true or false/],
    ['a kubeconfig naming a controller file', { server: 'https://a', kubeconfig: 'users:\n- user:\n    client-key: /var/run/secrets/key\n' }, /names a file \(client-key\)/],
    ['a bad namespace glob', { server: 'https://a', config: token, namespaces: 'team-a,../etc' }, /data.namespaces: "..\/etc" is not a namespace glob/],
    ['a qps out of range', { server: 'https://a', config: token, qps: '0' }, /data.qps must be a whole number from 1 to 10000/],
    ['a concurrency that is not a number', { server: 'https://a', config: token, concurrency: '2x' }, /data.concurrency must be a whole number/],
  ];
  for (const [what, data, message] of refused) {
    it(`refuses ${what}, naming the Secret and field`, () => { assert.throws(() => parseClusterSecret(secret(data)), message); });
  }

  it('refuses data that is not base64', () => {
    const bad = secret({ server: 'https://a', config: token });
    (bad as unknown as { data: Record<string, string> }).data.server = '%%%';
    assert.throws(() => parseClusterSecret(bad), /data.server is not base64/);
  });

  it('knows its Secrets by the label only', () => {
    assert.equal(isClusterSecret(secret({})), true);
    assert.equal(isClusterSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', labels: { 'berth.dev/secret-type': 'repository' } } }), false);
  });
});
