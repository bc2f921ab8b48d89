import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSameRepository, normalizeRepositoryUrl } from './repository-url.ts';

describe('normalizeRepositoryUrl', () => {
  it('gives every form of one GitHub repository the same key', () => {
    const forms = [
      'https://github.com/Octo-Org/deploy',
      'https://github.com/Octo-Org/deploy.git',
      'https://github.com/octo-org/deploy/',
      'https://github.com/Octo-Org/deploy.git/',
      'HTTPS://GitHub.COM/Octo-Org/Deploy',
      'http://github.com/Octo-Org/deploy',
      'https://github.com:443/Octo-Org/deploy.git',
      'https://x-access-token:ghs_secret@github.com/Octo-Org/deploy.git',
      'ssh://git@github.com/Octo-Org/deploy.git',
      'ssh://git@github.com:22/Octo-Org/deploy.git',
      'git+ssh://git@github.com/Octo-Org/deploy.git',
      'git@github.com:Octo-Org/deploy.git',
      'git@github.com:Octo-Org/deploy',
      'github.com:Octo-Org/deploy.git',
      'git://github.com/Octo-Org/deploy.git',
      '  https://github.com//Octo-Org/./deploy.git  ',
      'https://github.com/Octo-Org/deploy.git?ref=main#readme',
      'https://github.com/Octo-Org/%64eploy',
    ];
    for (const form of forms) assert.equal(normalizeRepositoryUrl(form), 'github.com/octo-org/deploy', form);
  });

  it('ignores ports: one repository is served over https and ssh on different ones', () => {
    assert.equal(normalizeRepositoryUrl('http://localhost:3000/gitea/webhooks.git'), 'localhost/gitea/webhooks');
    assert.equal(normalizeRepositoryUrl('ssh://gitea@localhost:2222/gitea/webhooks.git'), 'localhost/gitea/webhooks');
  });

  it('keeps nested groups and IPv6 hosts', () => {
    assert.equal(normalizeRepositoryUrl('git@gitlab.example.com:group/sub/project.git'), 'gitlab.example.com/group/sub/project');
    assert.equal(normalizeRepositoryUrl('ssh://git@[2001:db8::1]:2222/team/repo.git'), '[2001:db8::1]/team/repo');
    assert.equal(normalizeRepositoryUrl('git@[2001:db8::1]:team/repo.git'), '[2001:db8::1]/team/repo');
  });

  it('keys local paths and file URLs by their path', () => {
    assert.equal(normalizeRepositoryUrl('/srv/git/deploy.git'), '/srv/git/deploy');
    assert.equal(normalizeRepositoryUrl('file:///srv/git/deploy.git/'), '/srv/git/deploy');
  });

  it('gives no key to what names no repository', () => {
    for (const url of ['', '   ', 'https://github.com', 'https://github.com/', 'git@github.com:', '.git']) {
      assert.equal(normalizeRepositoryUrl(url), '', url);
    }
  });

  it('tells different repositories apart', () => {
    const keys = [
      'https://github.com/octo-org/deploy',
      'https://github.com/octo-org/deploy-staging',
      'https://github.com/octo-org/deploy/extra',
      'https://gitlab.com/octo-org/deploy',
      'https://www.github.com/octo-org/deploy',
      'https://bitbucket.example.com/scm/ops/deploy.git',
    ].map(normalizeRepositoryUrl);
    assert.equal(new Set(keys).size, keys.length);
  });

  it("does not equate Bitbucket Server's https and ssh paths (its payload lists both instead)", () => {
    assert.notEqual(
      normalizeRepositoryUrl('https://bitbucket.example.com/scm/ops/deploy.git'),
      normalizeRepositoryUrl('ssh://git@bitbucket.example.com:7999/ops/deploy.git'),
    );
  });
});

describe('isSameRepository', () => {
  it('compares keys', () => {
    assert.equal(isSameRepository('git@github.com:Octo-Org/deploy.git', 'https://github.com/octo-org/deploy'), true);
    assert.equal(isSameRepository('git@github.com:Octo-Org/deploy.git', 'https://github.com/octo-org/other'), false);
  });

  it('never calls two URLs that name no repository the same', () => {
    assert.equal(isSameRepository('', ''), false);
    assert.equal(isSameRepository('https://github.com', 'https://github.com/'), false);
  });
});
