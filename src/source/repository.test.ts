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
  it('keeps SSH URLs as ssh://host/path, with the login and the exact path beside', () => {
    assert.deepEqual(parseRepository('git@github.com:team/deploy.git'), {
      url: 'ssh://github.com/team/deploy.git', ssh: { host: 'github.com', port: 22, user: 'git', remotePath: 'team/deploy.git' },
    });
    const ssh = parseRepository('ssh://deploy@GitLab.example.com:2222/group/app.git');
    assert.equal(ssh.url, 'ssh://gitlab.example.com:2222/group/app.git');
    assert.deepEqual(ssh.ssh, { host: 'gitlab.example.com', port: 2222, user: 'deploy', remotePath: '/group/app.git' });
  });

  it('keys home-relative and absolute SSH paths apart although their URL is one', () => {
    assert.notEqual(repositoryKey(parseRepository('git@h:r.git')), repositoryKey(parseRepository('ssh://git@h/r.git')));
  });

  it('refuses the wrong kind of credentials for the URL', () => {
    const ssh = { kind: 'ssh', privateKey: 'k', knownHosts: 'h ssh-ed25519 AAAA' } as const;
    assert.throws(() => parseRepository('https://h/r.git', ssh), /https:\/\/h\/r\.git: credentialsSecret holds sshPrivateKey/);
    assert.throws(() => parseRepository('git@h:r.git', { kind: 'token', token: 't' }), /ssh:\/\/h\/r\.git: an SSH repository needs sshPrivateKey and knownHosts/);
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

  it('reads an SSH key with known hosts, and wants known hosts unless trust on first use is on', () => {
    assert.deepEqual(credentialsFromSecretData('ns/creds', { sshPrivateKey: 'KEY', knownHosts: 'h ssh-ed25519 AAAA' }), { kind: 'ssh', privateKey: 'KEY', knownHosts: 'h ssh-ed25519 AAAA' });
    assert.throws(() => credentialsFromSecretData('ns/creds', { sshPrivateKey: 'KEY' }), /^InvalidSourceError: Secret ns\/creds: has sshPrivateKey but no knownHosts/);
    assert.deepEqual(credentialsFromSecretData('ns/creds', { sshPrivateKey: 'KEY', sshPassphrase: 'p' }, { trustOnFirstUse: true }), { kind: 'ssh', privateKey: 'KEY', knownHosts: '', passphrase: 'p' });
    assert.deepEqual(authorizationHeader({ kind: 'ssh', privateKey: 'KEY', knownHosts: '' }), {});
  });

  it('keys a repository by URL and credentials, without holding either in clear', () => {
    const plain = repositoryKey(parseRepository('https://h/r.git'));
    const withToken = repositoryKey(parseRepository('https://h/r.git', { kind: 'token', token: 'secret' }));
    assert.notEqual(plain, withToken);
    assert.equal(plain, repositoryKey(parseRepository('https://h/r.git')));
    assert.doesNotMatch(withToken, /secret|h\/r/);
  });
});
