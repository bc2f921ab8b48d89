import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBearerChallenge, prefixesOfRegistryKey } from './oci-auth.ts';
import { credentialsFor, credentialTableFromSecret } from './helm-credentials.ts';

const auth = (user: string, password: string): string => Buffer.from(`${user}:${password}`).toString('base64');

describe('chart credentials: the longest matching URL prefix wins', () => {
  const docker = JSON.stringify({ auths: {
    'registry.example.com': { auth: auth('team', 'all') },
    'oci://registry.example.com/team-a/': { username: 'a', password: 'only-a' },
    'https://index.docker.io/v1/': { auth: auth('hub', 'pw') },
    'charts.example.com:8443': { registrytoken: 'tok' },
  } });
  const table = credentialTableFromSecret('apps/creds', { '.dockerconfigjson': docker }, undefined, 'oci://registry.example.com/team-a/web');

  const rows: [string, string | undefined][] = [
    ['oci://registry.example.com/team-a/web', 'a'],
    ['oci://REGISTRY.example.com/team-b/db', 'team'],
    ['https://registry.example.com/charts/index.yaml', 'team'],
    ['oci://registry.example.com.evil.io/team-a/web', undefined],
    ['oci://other.example.com/x', undefined],
    ['oci://index.docker.io/library/x', 'hub'],
    ['https://charts.example.com:8443/stable/', 'token'],
    ['https://charts.example.com/stable/', undefined],
  ];
  for (const [url, who] of rows) {
    it(`${url} → ${who ?? 'no credentials'}`, () => {
      const row = credentialsFor(table, url);
      const name = row === undefined ? undefined : row.credentials.kind === 'basic' ? row.credentials.username : 'token';
      assert.equal(name, who);
    });
  }

  it('binds token or basic credentials to the annotation prefixes, else to the repoURL only', () => {
    const scoped = credentialTableFromSecret('apps/c', { username: 'u', password: 'p' }, { 'berth.dev/repo-url-prefixes': 'https://charts.example.com/team, oci://reg/x' }, 'https://charts.example.com/team');
    assert.ok(credentialsFor(scoped, 'https://charts.example.com/team/web-1.0.0.tgz'));
    assert.equal(credentialsFor(scoped, 'https://charts.example.com/teamz/'), undefined);
    assert.ok(credentialsFor(scoped, 'oci://reg/x/dep'));
    const plain = credentialTableFromSecret('apps/c', { token: 't' }, undefined, 'https://charts.example.com/stable');
    assert.ok(credentialsFor(plain, 'https://charts.example.com/stable/web-1.0.0.tgz'));
    assert.equal(credentialsFor(plain, 'https://charts.example.com/other/'), undefined);
  });

  it('names the Secret when it holds nothing usable', () => {
    assert.throws(() => credentialTableFromSecret('apps/empty', {}, undefined, 'oci://r/x'), /Secret apps\/empty: needs .dockerconfigjson/);
    assert.throws(() => credentialTableFromSecret('apps/bad', { '.dockerconfigjson': '{' }, undefined, 'oci://r/x'), /Secret apps\/bad: .dockerconfigjson is not JSON/);
  });

  it('reads registry keys of every form docker writes', () => {
    assert.deepEqual(prefixesOfRegistryKey('reg:5000'), ['oci://reg:5000/', 'https://reg:5000/', 'http://reg:5000/']);
    assert.deepEqual(prefixesOfRegistryKey('https://index.docker.io/v1/'), ['oci://index.docker.io/', 'https://index.docker.io/', 'http://index.docker.io/']);
  });
});

describe('registry token challenge', () => {
  it('reads realm, service and scope', () => {
    assert.deepEqual(parseBearerChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull"'),
      { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull' });
    assert.equal(parseBearerChallenge('Basic realm="Registry"'), undefined);
    assert.equal(parseBearerChallenge(undefined), undefined);
  });
});
