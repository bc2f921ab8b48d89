import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidSourceError } from '../errors.ts';
import { isSshUrl, parseSshUrl, uploadPackCommand } from './ssh-url.ts';

function refusal(url: string): string {
  try {
    parseSshUrl(url);
  } catch (error) {
    assert.ok(error instanceof InvalidSourceError, String(error));
    assert.equal(error.reason, 'InvalidURL');
    return error.message;
  }
  assert.fail(`${url} was accepted`);
}

describe('SSH repository URLs', () => {
  it('tells SSH forms from others', () => {
    const table: [string, boolean][] = [
      ['ssh://git@host/x.git', true], ['git@host:org/x.git', true], ['host:x.git', true], ['forgejo@git.example.com:a/b', true],
      ['https://host/x.git', false], ['http://host:80/x', false], ['file:///x', false], ['/srv/x.git', false],
    ];
    for (const [url, expected] of table) assert.equal(isSshUrl(url), expected, url);
  });

  it('parses ssh:// and scp-like forms as git reads them', () => {
    const table: [string, { url: string; host: string; port: number; user: string; remotePath: string }][] = [
      ['ssh://git@Host.Example:2222/org/repo.git', { url: 'ssh://host.example:2222/org/repo.git', host: 'host.example', port: 2222, user: 'git', remotePath: '/org/repo.git' }],
      ['ssh://host.example/~/repo.git', { url: 'ssh://host.example/~/repo.git', host: 'host.example', port: 22, user: 'git', remotePath: '~/repo.git' }],
      ['ssh://git@[::1]:2222/r.git', { url: 'ssh://[::1]:2222/r.git', host: '::1', port: 2222, user: 'git', remotePath: '/r.git' }],
      ['ssh://git@127.0.0.1:22/a%20b.git', { url: 'ssh://127.0.0.1/a%20b.git', host: '127.0.0.1', port: 22, user: 'git', remotePath: '/a b.git' }],
      ['deploy@git.example.com:team/app.git', { url: 'ssh://git.example.com/team/app.git', host: 'git.example.com', port: 22, user: 'deploy', remotePath: 'team/app.git' }],
    ];
    for (const [input, expected] of table) assert.deepEqual(parseSshUrl(input), expected, input);
  });

  it('refuses what an SSH client or a Git server would read as an option, before any connection', () => {
    assert.match(refusal('ssh://-oProxyCommand=touch%20/tmp/pwned/x'), /the host starts with "-"/);
    assert.match(refusal('-oProxyCommand=id:x'), /^-oProxyCommand=id:x: the host starts with "-"/);
    assert.match(refusal('git@host:--upload-pack=touch /tmp/x'), /the repository path starts with "-"/);
    assert.match(refusal('ssh://-l@host/x'), /the login name "-l" is not a plain user name/);
  });

  it('refuses quotes, control characters, ".." and missing paths', () => {
    assert.match(refusal("git@host:x';id;'"), /holds a control character, a quote/);
    assert.match(refusal('ssh://host/a%0Ab'), /holds a control character/);
    assert.match(refusal('ssh://host/a/../../etc'), /"\.\." segment/);
    assert.match(refusal('ssh://host/'), /names no repository path/);
    assert.match(refusal('ssh://host:99999/x'), /port "99999" is not a TCP port/);
    assert.match(refusal('ssh://host_name/x'), /is not a host name/);
  });

  it('never prints a password written into an ssh:// URL', () => {
    assert.doesNotMatch(refusal('ssh://bob:hunter2@host/x'), /hunter2/);
  });

  it('quotes the path as one word of the remote command', () => {
    assert.equal(uploadPackCommand('/srv/git/app.git'), "git-upload-pack '/srv/git/app.git'");
    assert.equal(uploadPackCommand("it's.git"), "git-upload-pack 'it'\\''s.git'");
  });
});
