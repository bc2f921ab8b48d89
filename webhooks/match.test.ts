import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchPush, repositoryKeys, type WatchedSource } from './match.ts';
import { deliver, fixture, onlyEvent, pushEvents } from './testdata/deliveries.ts';

const githubPush = onlyEvent(deliver('github', fixture('github-push')));

function verdict(source: WatchedSource, event = githubPush): string {
  return matchPush(event, source).verdict;
}

describe('matchPush', () => {
  it('queues an Application of the same repository, in any URL form, whose folder the push touched', () => {
    for (const repoURL of ['https://github.com/octo-org/deploy', 'git@github.com:Octo-Org/deploy.git', 'ssh://git@github.com:22/octo-org/deploy']) {
      assert.equal(verdict({ repoURL, targetRevision: 'main', path: 'apps/web' }), 'queue', repoURL);
    }
  });

  it('skips another repository, another branch, and a folder the push did not touch', () => {
    assert.equal(verdict({ repoURL: 'https://github.com/octo-org/other', path: 'apps/web' }), 'skip');
    assert.equal(verdict({ repoURL: 'https://github.com/octo-org/deploy', targetRevision: 'release', path: 'apps/web' }), 'skip');
    assert.equal(verdict({ repoURL: 'https://github.com/octo-org/deploy', targetRevision: 'main', path: 'apps/shop' }), 'skip');
  });

  it('follows HEAD to the default branch the payload names', () => {
    assert.equal(verdict({ repoURL: 'https://github.com/octo-org/deploy', path: 'apps/web' }), 'queue');
    const feature = { ...githubPush, ref: 'refs/heads/feature' };
    assert.equal(verdict({ repoURL: 'https://github.com/octo-org/deploy', path: 'apps/web' }, feature), 'skip');
  });

  it('queues through a watch path (a Kustomize base outside the folder)', () => {
    const source = { repoURL: 'https://github.com/octo-org/deploy', path: 'overlays/prod', watchPaths: ['apps/api'] };
    assert.equal(verdict(source), 'queue');
  });

  it('queues on any change to the ref when the path filter is off', () => {
    const source = { repoURL: 'https://github.com/octo-org/deploy', path: 'apps/shop', changedPathFilter: false };
    assert.equal(verdict(source), 'queue');
  });

  it('asks for a comparison when the payload lists no files', () => {
    const bitbucket = onlyEvent(deliver('bitbucket-cloud', fixture('bitbucket-cloud-push')));
    const match = matchPush(bitbucket, { repoURL: 'git@bitbucket.org:stark/deploy.git', targetRevision: 'main', path: 'apps/web' });
    assert.deepEqual(match, { verdict: 'compare', reason: 'Bitbucket Cloud payloads do not list changed files' });
  });

  it('queues a created tag in the range and a deleted branch it follows, whatever the files', () => {
    const [tag, deleted] = pushEvents(deliver('bitbucket-cloud', fixture('bitbucket-cloud-push-tag-and-delete')));
    assert.ok(tag && deleted);
    assert.equal(verdict({ repoURL: 'https://bitbucket.org/stark/deploy', targetRevision: '^1.0.0', path: 'apps/web' }, tag), 'queue');
    assert.equal(verdict({ repoURL: 'https://bitbucket.org/stark/deploy', targetRevision: 'feature/canary' }, deleted), 'queue');
  });

  it("matches Bitbucket Server's https and ssh clone URLs alike, as the payload lists both", () => {
    const event = onlyEvent(deliver('bitbucket-server', fixture('bitbucket-server-refs-changed')));
    const keys = repositoryKeys(event);
    for (const repoURL of ['https://bitbucket.example.com/scm/OPS/deploy.git', 'ssh://git@bitbucket.example.com:7999/ops/deploy.git']) {
      assert.equal(matchPush(event, { repoURL, targetRevision: 'master' }, keys).verdict, 'compare', repoURL);
    }
  });

  it('matches the https, ssh and scp-like forms of one repository as one, provider by provider', () => {
    const table: readonly { provider: Parameters<typeof deliver>[0]; fixture: string; urls: readonly string[]; revision: string }[] = [
      { provider: 'github', fixture: 'github-push', revision: 'main', urls: [
        'https://github.com/octo-org/deploy.git', 'ssh://git@github.com/octo-org/deploy.git', 'git@github.com:octo-org/deploy', 'ssh://git@github.com:22/octo-org/deploy.git',
      ] },
      { provider: 'gitlab', fixture: 'gitlab-push', revision: 'master', urls: [
        'https://gitlab.example.com/mike/diaspora.git', 'ssh://git@gitlab.example.com:2222/mike/diaspora.git', 'git@gitlab.example.com:mike/diaspora.git',
      ] },
      { provider: 'gitea', fixture: 'gitea-push', revision: 'develop', urls: [
        'https://localhost:3000/gitea/webhooks', 'ssh://gitea@localhost:2222/gitea/webhooks.git', 'gitea@localhost:gitea/webhooks.git',
      ] },
      { provider: 'bitbucket-cloud', fixture: 'bitbucket-cloud-push', revision: 'main', urls: [
        'https://bitbucket.org/stark/deploy.git', 'ssh://git@bitbucket.org/stark/deploy.git', 'git@bitbucket.org:stark/deploy.git',
      ] },
      { provider: 'azure-devops', fixture: 'azure-devops-git-push', revision: 'master', urls: [
        'https://dev.azure.com/fabrikam-fiber-inc/Fabrikam-Fiber-Git/_git/Fabrikam-Fiber-Git',
        'git@ssh.dev.azure.com:v3/fabrikam-fiber-inc/Fabrikam-Fiber-Git/Fabrikam-Fiber-Git',
        'ssh://git@ssh.dev.azure.com/v3/fabrikam-fiber-inc/Fabrikam-Fiber-Git/Fabrikam-Fiber-Git',
      ] },
    ];
    for (const row of table) {
      const event = onlyEvent(deliver(row.provider, fixture(row.fixture)));
      const keys = repositoryKeys(event);
      for (const repoURL of row.urls) {
        assert.notEqual(matchPush(event, { repoURL, targetRevision: row.revision }, keys).verdict, 'skip', `${row.provider}: ${repoURL}`);
      }
      // The same forms of a sibling repository do not match.
      for (const repoURL of row.urls.map((url) => url.replace(/([^/:]+?)(\.git)?$/, 'sibling$2'))) {
        assert.equal(matchPush(event, { repoURL, targetRevision: row.revision }, keys).verdict, 'skip', `${row.provider}: ${repoURL}`);
      }
    }
  });

  it('skips an Application whose repoURL names no repository', () => {
    assert.equal(verdict({ repoURL: '' }), 'skip');
  });
});
