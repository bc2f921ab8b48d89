import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAddress, classifyHost } from './addresses.ts';
import { defaultSecurityPolicy, matchesGlob, type SecurityPolicy } from './policy.ts';
import { checkSourcePolicy } from './source-policy.ts';

const policy = (overrides: Partial<SecurityPolicy> = {}): SecurityPolicy => ({ ...defaultSecurityPolicy, ...overrides });

describe('repository URL globs', () => {
  const cases: [string, string, boolean][] = [
    ['https://github.com/acme/*', 'https://github.com/acme/deploy.git', true],
    ['https://github.com/acme/*', 'https://github.com/acme/team/deploy.git', false],
    ['https://github.com/acme/*', 'https://github.com/acme-evil/deploy.git', false],
    ['https://github.com/acme/**', 'https://github.com/acme/team/deploy.git', true],
    ['https://git.example.com/*.git', 'https://git.example.com/a.git', true],
    ['https://git.example.com/a?c', 'https://git.example.com/abc', true],
    ['team-*', 'team-a', true],
    ['team-*', 'other', false],
    ['https://x.com/a.b', 'https://x.com/aXb', false],
  ];
  for (const [pattern, value, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${value}`, () => {
      assert.equal(matchesGlob(pattern, value), expected);
    });
  }
});

describe('address classes', () => {
  const cases: [string, string | undefined][] = [
    ['169.254.169.254', 'metadata'],
    ['169.254.10.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['[::ffff:a9fe:a9fe]', 'metadata'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.20.0.1', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['140.82.112.3', 'public'],
    ['2606:4700::1', 'public'],
    ['github.com', undefined],
  ];
  for (const [address, expected] of cases) {
    it(`${address} is ${expected ?? 'not an address'}`, () => {
      assert.equal(classifyAddress(address), expected);
    });
  }
  it('knows metadata host names without DNS', () => {
    assert.equal(classifyHost('metadata.google.internal'), 'metadata');
    assert.equal(classifyHost('METADATA.google.internal.'), 'metadata');
    assert.equal(classifyHost('localhost'), 'loopback');
  });
});

describe('checkSourcePolicy', () => {
  it('allows an https repository by default', () => {
    assert.deepEqual(checkSourcePolicy('https://github.com/acme/deploy.git', policy()), { allowed: true });
  });

  it('refuses plain http unless --allow-http-repos', () => {
    const decision = checkSourcePolicy('http://git.internal/deploy.git', policy());
    assert.equal(decision.allowed, false);
    assert.equal(decision.rule, '--allow-http-repos');
    assert.deepEqual(checkSourcePolicy('http://git.internal/deploy.git', policy({ allowHttpRepos: true })), { allowed: true });
  });

  it('refuses file:// and other schemes', () => {
    const decision = checkSourcePolicy('file:///etc/passwd', policy({ allowHttpRepos: true }));
    assert.equal(decision.allowed, false);
    assert.match(decision.message, /only https:\/\/ and ssh:\/\/ repositories are allowed, not file:/);
  });

  it('refuses metadata and link-local hosts, however they are written', () => {
    for (const url of ['https://169.254.169.254/x.git', 'https://[fd00:ec2::254]/x.git', 'https://metadata.google.internal/x.git',
      'https://[::ffff:169.254.169.254]/x.git', 'https://2852039166/x.git', 'https://[fe80::1]/x.git']) {
      const decision = checkSourcePolicy(url, policy());
      assert.equal(decision.allowed, false, url);
      assert.equal(decision.rule, '--allow-link-local-repos', url);
    }
    assert.deepEqual(checkSourcePolicy('https://169.254.169.254/x.git', policy({ allowLinkLocalRepos: true })), { allowed: true });
  });

  it('allows private addresses by default and refuses them when asked to', () => {
    assert.deepEqual(checkSourcePolicy('https://10.0.0.5/team/deploy.git', policy()), { allowed: true });
    const decision = checkSourcePolicy('https://10.0.0.5/team/deploy.git', policy({ allowPrivateRepos: false }));
    assert.equal(!decision.allowed && decision.rule, '--allow-private-repos');
  });

  it('names the rule and the allowed patterns when --allowed-repos does not match', () => {
    const decision = checkSourcePolicy('https://evil.example/x.git', policy({ allowedRepos: ['https://github.com/acme/*'] }));
    assert.deepEqual(decision, {
      allowed: false, rule: '--allowed-repos',
      message: 'repository https://evil.example/x.git is not allowed by --allowed-repos (https://github.com/acme/*)',
    });
    assert.deepEqual(checkSourcePolicy('https://github.com/acme/x.git', policy({ allowedRepos: ['https://gitlab.com/*', 'https://github.com/acme/*'] })), { allowed: true });
  });
});
