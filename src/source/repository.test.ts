import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidSourceError } from '../errors.ts';
import { authorizationHeader, credentialsFromSecretData, parseRepository, repositoryKey } from './repository.ts';

function rejected(url: string): string {
  try {
    parseRepository(url);
  } catch (error) {
    assert.ok(error instanceof InvalidSourceError);
    assert.equal(error.reason, 'InvalidURL');
    return error.message;
  }
  assert.fail(`${url} was accepted`);
}

describe('parseRepository', () => {
  it('rejects SSH URLs, naming the https form to use', () => {
    assert.match(rejected('git@github.com:team/deploy.git'), /^git@github\.com:team\/deploy\.git: SSH repositories are not supported; use the https form, e\.g\. https:\/\/github\.com\/team\/deploy\.git/);
    assert.match(rejected('ssh://git@gitlab.example.com:2222/group/app.git'), /e\.g\. https:\/\/gitlab\.example\.com\/group\/app\.git/);
  });

  it('rejects other schemes and garbage', () => {
    assert.match(rejected('file:///srv/repo.git'), /only https:\/\/ \(and http:\/\/\) repositories are supported, not file:/);
    assert.match(rejected('not a url'), /not a valid URL/);
  });

  it('moves credentials out of the URL', () => {
    const repository = parseRepository('https://bot:p%40ss@git.example.com/team/deploy.git#frag');
    assert.equal(repository.url, 'https://git.example.com/team/deploy.git');
    assert.deepEqual(repository.credentials, { kind: 'basic', username: 'bot', password: 'p@ss' });
    assert.deepEqual(parseRepository('https://tok123@git.example.com/r.git').credentials, { kind: 'token', token: 'tok123' });
  });

  it('never prints a secret of a URL it cannot parse', () => {
    assert.doesNotMatch(rejected('ftp://user:hunter2@host/repo'), /hunter2/);
  });
});

describe('credentials', () => {
  it('sends a bare token as Bearer and a token with a username as Basic', () => {
    assert.deepEqual(authorizationHeader({ kind: 'token', token: 't' }), { Authorization: 'Bearer t' });
    assert.deepEqual(authorizationHeader({ kind: 'token', token: 't', username: 'x-access-token' }), { Authorization: `Basic ${Buffer.from('x-access-token:t').toString('base64')}` });
    assert.deepEqual(authorizationHeader(undefined), {});
  });

  it('reads a Secret with a token or a username and password, and rejects one with neither', () => {
    assert.deepEqual(credentialsFromSecretData('creds', { token: 'abc' }), { kind: 'token', token: 'abc' });
    assert.deepEqual(credentialsFromSecretData('creds', { username: 'u', password: 'p' }), { kind: 'basic', username: 'u', password: 'p' });
    assert.throws(() => credentialsFromSecretData('creds', { username: 'u' }), /^Error|Secret creds: needs a "token" key/);
  });

  it('keys a repository by URL and credentials, without holding either in clear', () => {
    const plain = repositoryKey(parseRepository('https://h/r.git'));
    const withToken = repositoryKey(parseRepository('https://h/r.git', { kind: 'token', token: 'secret' }));
    assert.notEqual(plain, withToken);
    assert.equal(plain, repositoryKey(parseRepository('https://h/r.git')));
    assert.doesNotMatch(withToken, /secret|h\/r/);
  });
});
