import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRemoteEntry } from './kustomize-remote.ts';

describe('isRemoteEntry', () => {
  const remote = [
    'https://raw.example.com/cm.yaml', 'http://127.0.0.1:8080/cm.yaml', 'HTTPS://EXAMPLE.COM/x',
    'https://github.com/acme/deploy//base?ref=v1', 'ssh://git@example.com/acme/deploy.git', 'file:///srv/git/repo.git//base',
    'git@github.com:acme/deploy.git', 'deploy@example.com:acme/deploy', 'sub/a@b.yaml', 'git::https://example.com/repo', 'gh:acme/deploy',
    'github.com/acme/deploy/base', 'github.com:acme/deploy', 'gitlab.com/acme/deploy', 'bitbucket.org/acme/deploy', ' https://x/y ',
  ];
  const local = ['deployment.yaml', '../base', './overlays/prod', 'base/github.com-notes.yaml', 'configs/http-proxy.yaml'];
  for (const entry of remote) it(`takes ${entry} for remote`, () => { assert.equal(isRemoteEntry(entry), true); });
  for (const entry of local) it(`takes ${entry} for a repository path`, () => { assert.equal(isRemoteEntry(entry), false); });
});
