import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commitUrlOf } from './commit-links.ts';

const sha = '3f2c1ab9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3';

describe('links to a commit', () => {
  const rows: [string, string, string | undefined][] = [
    ['GitHub', 'https://github.com/org/deploy.git', `https://github.com/org/deploy/commit/${sha}`],
    ['GitHub without .git, trailing slash', 'https://github.com/org/deploy/', `https://github.com/org/deploy/commit/${sha}`],
    ['GitLab with nested groups', 'https://gitlab.com/group/sub/deploy.git', `https://gitlab.com/group/sub/deploy/-/commit/${sha}`],
    ['self-hosted GitLab', 'https://gitlab.example.com/team/deploy.git', `https://gitlab.example.com/team/deploy/-/commit/${sha}`],
    ['Gitea', 'https://gitea.example.com/team/deploy.git', `https://gitea.example.com/team/deploy/commit/${sha}`],
    ['Codeberg (Forgejo)', 'https://codeberg.org/team/deploy.git', `https://codeberg.org/team/deploy/commit/${sha}`],
    ['Bitbucket', 'https://bitbucket.org/team/deploy.git', `https://bitbucket.org/team/deploy/commits/${sha}`],
    ['credentials are never carried into the link', 'https://user:s3cret@github.com/org/deploy.git', `https://github.com/org/deploy/commit/${sha}`],
    ['an unknown host gets no link', 'https://git.example.com/team/deploy.git', undefined],
    ['a javascript: URL gets no link', 'javascript:alert(1)//github.com/a/b', undefined],
    ['an SSH URL gets no link', 'git@github.com:org/deploy.git', undefined],
    ['a GitHub path that is not owner/repo gets no link', 'https://github.com/org/deploy/tree/main', undefined],
    ['a dot-dot segment gets no link', 'https://github.com/org/..', undefined],
  ];
  for (const [name, repoURL, expected] of rows) it(name, () => { assert.equal(commitUrlOf(repoURL, sha), expected); });

  it('links only a hex commit id', () => {
    assert.equal(commitUrlOf('https://github.com/org/deploy.git', 'main'), undefined);
    assert.equal(commitUrlOf('https://github.com/org/deploy.git', '"><script>'), undefined);
  });
});
