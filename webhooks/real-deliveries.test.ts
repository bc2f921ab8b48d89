/**
 * Deliveries as the hosts really send them, each of which Berth once refused or
 * ignored (issue 16). The bodies come from the hosts' own documentation and from
 * other projects' test fixtures:
 * - GitLab system hooks (`gitlab-system-*.json`): doc/administration/system_hooks.md;
 * - Gitea/Forgejo form deliveries: Gitea's services/webhook/deliver.go posts
 *   `payload=<json>` and signs the JSON, not the form;
 * - Bitbucket Data Center (`bitbucket-server-refs-changed-no-links.json`): the
 *   repo:refs_changed example of Atlassian's "Event payload" page, which has no links;
 * - Gogs (`gogs-push.json`): a try.gogs.io push from bleenco/abstruse's e2e fixtures;
 * - Azure DevOps (`azure-devops-git-push.json`): the git.push sample of Microsoft's
 *   service hooks events page.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchPush } from './match.ts';
import { parseWebhook } from './registry.ts';
import { checkBeforeBody } from './streaming-verification.ts';
import type { PushEvent, WebhookResult } from './push-event.ts';
import { body, fixture, fixtureObject, hmacHex, onlyEvent, pushEvents, testSecret } from './testdata/deliveries.ts';

function gitlabSystemHook(payload: Uint8Array): WebhookResult {
  return parseWebhook('gitlab', { 'x-gitlab-event': 'System Hook', 'x-gitlab-token': testSecret, 'content-type': 'application/json' }, payload, { secret: testSecret });
}

describe('GitLab system hooks', () => {
  it('reads a system-hook push that carries only event_name (no object_kind)', () => {
    const event = onlyEvent(gitlabSystemHook(fixture('gitlab-system-push')));
    assert.equal(event.ref, 'refs/heads/master');
    assert.equal(event.after, 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7');
    assert.deepEqual(event.repository.urls, ['http://example.com/mike/diaspora.git', 'git@example.com:mike/diaspora.git', 'http://example.com/mike/diaspora']);
    // System hooks list commits without their files: a touch cannot be ruled out.
    assert.equal(event.changedPaths.status, 'partial');
  });

  it('reads a system-hook tag_push that carries only event_name', () => {
    const event = onlyEvent(gitlabSystemHook(fixture('gitlab-system-tag-push')));
    assert.equal(event.ref, 'refs/tags/v1.0.0');
    assert.equal(event.created, true);
  });

  it('reads repository_update, the one trigger a new system hook has by default: one event per change, no files', () => {
    const event = onlyEvent(gitlabSystemHook(fixture('gitlab-system-repository-update')));
    assert.deepEqual(event, {
      provider: 'gitlab',
      repository: {
        urls: ['http://example.com/jsmith/example.git', 'git@example.com:jsmith/example.git', 'http://example.com/jsmith/example'],
        name: 'jsmith/example',
        defaultBranch: 'master',
      },
      ref: 'refs/heads/master',
      before: '8205ea8d81ce0c6b90fbe8280d118cc9fdad6130',
      after: '4045ea7a3df38697b3730a20fb73c8bed8a3e69e',
      created: false,
      deleted: false,
      changedPaths: { status: 'unavailable', reason: 'GitLab repository_update lists no files' },
    });
    const two = { ...fixtureObject('gitlab-system-repository-update'), changes: [
      { before: '0'.repeat(40), after: '4045ea7a3df38697b3730a20fb73c8bed8a3e69e', ref: 'refs/tags/v2.0.0' },
      { before: '8205ea8d81ce0c6b90fbe8280d118cc9fdad6130', after: '0'.repeat(40), ref: 'refs/heads/old' },
    ] };
    const [tag, gone] = pushEvents(gitlabSystemHook(body(two)));
    assert.equal(tag?.created, true);
    assert.equal(gone?.deleted, true);
  });

  it('queues an Application of the project from a repository_update', () => {
    const event = onlyEvent(gitlabSystemHook(fixture('gitlab-system-repository-update')));
    assert.equal(matchPush(event, { repoURL: 'ssh://git@example.com/jsmith/example.git', targetRevision: 'master' }).verdict, 'compare');
  });

  it('still ignores other system-hook events, and refuses a repository_update without changes', () => {
    const created = gitlabSystemHook(body({ event_name: 'project_create', name: 'x' }));
    assert.equal(created.kind, 'ignored');
    const broken = gitlabSystemHook(body({ ...fixtureObject('gitlab-system-repository-update'), changes: 'refs/heads/master' }));
    assert.equal(broken.kind, 'rejected');
    assert.match(broken.reason, /^changes: /);
  });
});

describe('Gitea and Forgejo form-encoded deliveries', () => {
  const json = fixture('gitea-push');
  // What Go's url.Values.Encode makes of {payload: [json]}; the signature covers the JSON.
  const form = Buffer.from(new URLSearchParams({ payload: json.toString('utf8') }).toString());
  const formHeaders = (signature: string, names = ['x-gitea-signature']) => ({
    'content-type': 'application/x-www-form-urlencoded',
    'x-gitea-event': 'push',
    ...Object.fromEntries(names.map((name) => [name, signature])),
  });

  it('verifies the signature against the JSON payload, as Gitea signs it', () => {
    for (const provider of ['gitea', 'forgejo']) {
      const event = onlyEvent(parseWebhook(provider, formHeaders(hmacHex(json), ['x-forgejo-signature', 'x-gitea-signature']), form, { secret: testSecret }));
      assert.equal(event.after, 'bffeb74224043ba2feb48d137756c8a9331c449a');
    }
  });

  it('verifies it while the form streams in too', () => {
    const checked = checkBeforeBody('gitea', formHeaders(hmacHex(json)), { secret: testSecret, maxBodyBytes: 1 << 20 });
    assert.equal(checked.kind, 'read-body');
    for (let i = 0; i < form.length; i += 100) checked.verifier.update(form.subarray(i, i + 100));
    assert.equal(checked.verifier.finish(), undefined);
  });

  it('refuses a form whose payload was changed after signing, and a signature over the form bytes', () => {
    const changed = Buffer.from(new URLSearchParams({ payload: json.toString('utf8').replace('develop', 'main') }).toString());
    assert.equal(parseWebhook('gitea', formHeaders(hmacHex(json)), changed, { secret: testSecret }).kind, 'rejected');
    const overForm = parseWebhook('gitea', formHeaders(hmacHex(form)), form, { secret: testSecret });
    assert.deepEqual(overForm, { kind: 'rejected', status: 401, reason: 'X-Gitea-Signature does not match the payload field' });
    const streamed = checkBeforeBody('gitea', formHeaders(hmacHex(form)), { secret: testSecret, maxBodyBytes: 1 << 20 });
    assert.equal(streamed.kind, 'read-body');
    streamed.verifier.update(form);
    assert.equal(streamed.verifier.finish()?.status, 401);
  });
});

describe('Gogs', () => {
  const payload = fixture('gogs-push');
  const headers = {
    'content-type': 'application/json',
    'x-gogs-delivery': '9c669ca7-3021-438e-8777-da9e7f0aea65',
    'x-gogs-event': 'push',
    'x-gogs-signature': hmacHex(payload),
  };

  it('checks X-Gogs-Signature and reads the push', () => {
    const event = onlyEvent(parseWebhook('gogs', headers, payload, { secret: testSecret }));
    assert.equal(event.deliveryId, '9c669ca7-3021-438e-8777-da9e7f0aea65');
    assert.deepEqual(event.repository.urls, ['https://try.gogs.io/izak88/d3-bundle.git', 'git@try.gogs.io:izak88/d3-bundle.git', 'https://try.gogs.io/izak88/d3-bundle']);
    assert.equal(checkBeforeBody('gitea', headers, { secret: testSecret, maxBodyBytes: 1 << 20 }).kind, 'read-body');
  });

  it('refuses a Gogs delivery signed with another secret', () => {
    const result = parseWebhook('gogs', { ...headers, 'x-gogs-signature': hmacHex(payload, 'another') }, payload, { secret: testSecret });
    assert.deepEqual(result, { kind: 'rejected', status: 401, reason: 'X-Gogs-Signature does not match the body' });
  });
});

describe('Bitbucket Data Center pushes without repository.links', () => {
  const payload = fixture('bitbucket-server-refs-changed-no-links');
  const headers = { 'x-event-key': 'repo:refs_changed', 'x-request-id': 'b6d3a2c4', 'x-hub-signature': `sha256=${hmacHex(payload)}` };

  function event(): PushEvent {
    return onlyEvent(parseWebhook('bitbucket-server', headers, payload, { secret: testSecret }));
  }

  it('reads the push and names the repository by project key and slug', () => {
    const pushed = event();
    assert.equal(pushed.ref, 'refs/heads/master');
    assert.equal(pushed.after, '178864a7d521b6f5e720b386b2c2b0ef8563e0dc');
    assert.deepEqual(pushed.repository, { urls: [], name: 'PROJ/repository', projectPath: 'proj/repository' });
  });

  it('matches Applications by project key and slug, over https (/scm/) and ssh alike', () => {
    for (const repoURL of [
      'https://bitbucket.example.com/scm/proj/repository.git',
      'https://bitbucket.example.com/bitbucket/scm/PROJ/repository.git',
      'ssh://git@bitbucket.example.com:7999/proj/repository.git',
      'git@bitbucket.example.com:proj/repository.git',
      'https://bitbucket.example.com/projects/PROJ/repos/repository/browse',
    ]) {
      assert.equal(matchPush(event(), { repoURL, targetRevision: 'master' }).verdict, 'compare', repoURL);
    }
    for (const repoURL of ['https://bitbucket.example.com/scm/proj/other.git', 'https://bitbucket.example.com/scm/other/repository.git', 'https://bitbucket.example.com/repository.git']) {
      assert.equal(matchPush(event(), { repoURL, targetRevision: 'master' }).verdict, 'skip', repoURL);
    }
  });

  it('refuses a delivery with neither links nor project key and slug, naming what is missing', () => {
    const bare = body({ ...fixtureObject('bitbucket-server-refs-changed-no-links'), repository: { id: 84 } });
    const result = parseWebhook('bitbucket-server', { ...headers, 'x-hub-signature': `sha256=${hmacHex(bare)}` }, bare, { secret: testSecret });
    assert.deepEqual(result, { kind: 'rejected', status: 400, reason: 'repository: no links.clone, and no project.key with slug' });
  });
});

describe('Azure DevOps service hooks', () => {
  const payload = fixture('azure-devops-git-push');
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const headers = { 'content-type': 'application/json; charset=utf-8', authorization: basic('berth', testSecret) };

  it('reads a git.push authenticated with the service hook basic auth password', () => {
    const result = parseWebhook('azure-devops', headers, payload, { secret: testSecret });
    const event = onlyEvent(result);
    assert.equal(result.kind === 'push' ? result.deliveryId : undefined, '03c164c2-8912-4d5e-8009-3707d5f83734');
    assert.equal(event.provider, 'azure-devops');
    assert.equal(event.ref, 'refs/heads/master');
    assert.equal(event.before, 'aad331d8d3b131fa9ae03cf5e53965b51942618a');
    assert.equal(event.after, '33b55f7cb7e7e245323987634f960cf4a6e6bc74');
    assert.equal(event.repository.defaultBranch, 'master');
    assert.equal(event.changedPaths.status, 'unavailable');
    assert.equal(checkBeforeBody('azure-devops', headers, { secret: testSecret, maxBodyBytes: 1 << 20 }).kind, 'read-body');
  });

  it('matches https and ssh forms of the repository, old and new host names', () => {
    const modern = body({
      ...fixtureObject('azure-devops-git-push'),
      resource: {
        ...(fixtureObject('azure-devops-git-push').resource as object),
        repository: {
          name: 'web', defaultBranch: 'refs/heads/main',
          remoteUrl: 'https://fabrikam@dev.azure.com/fabrikam/Fiber%20Ops/_git/web',
        },
        refUpdates: [{ name: 'refs/heads/main', oldObjectId: 'aad331d8d3b131fa9ae03cf5e53965b51942618a', newObjectId: '33b55f7cb7e7e245323987634f960cf4a6e6bc74' }],
      },
    });
    const event = onlyEvent(parseWebhook('azure-devops', headers, modern, { secret: testSecret }));
    for (const repoURL of [
      'https://dev.azure.com/fabrikam/Fiber%20Ops/_git/web',
      'git@ssh.dev.azure.com:v3/fabrikam/Fiber%20Ops/web',
      'https://fabrikam.visualstudio.com/Fiber%20Ops/_git/web',
      'fabrikam@vs-ssh.visualstudio.com:v3/fabrikam/Fiber%20Ops/web',
    ]) {
      assert.equal(matchPush(event, { repoURL, targetRevision: 'main' }).verdict, 'compare', repoURL);
    }
    assert.equal(matchPush(event, { repoURL: 'git@ssh.dev.azure.com:v3/fabrikam/Fiber%20Ops/api', targetRevision: 'main' }).verdict, 'skip');
  });

  it('accepts user:password as the secret to pin the user name too', () => {
    assert.equal(parseWebhook('azure-devops', headers, payload, { secret: `berth:${testSecret}` }).kind, 'push');
    assert.equal(parseWebhook('azure-devops', headers, payload, { secret: `other:${testSecret}` }).kind, 'rejected');
  });

  it('refuses a missing, malformed or wrong Authorization with 401 before reading the body', () => {
    const options = { secret: testSecret, maxBodyBytes: 1 << 20 };
    for (const authorization of [undefined, 'Bearer x', 'Basic !!!', basic('berth', 'wrong')]) {
      const sent = authorization === undefined ? { 'content-type': 'application/json' } : { ...headers, authorization };
      const early = checkBeforeBody('azure-devops', sent, options);
      assert.equal(early.kind === 'rejected' ? early.status : early.kind, 401, String(authorization));
      const late = parseWebhook('azure-devops', sent, payload, { secret: testSecret });
      assert.equal(late.kind === 'rejected' ? late.status : late.kind, 401, String(authorization));
    }
  });

  it('ignores other service hook events once authenticated', () => {
    const other = body({ ...fixtureObject('azure-devops-git-push'), eventType: 'git.pullrequest.created' });
    assert.deepEqual(parseWebhook('azure-devops', headers, other, { secret: testSecret }), {
      kind: 'ignored', reason: 'Azure DevOps event "git.pullrequest.created" does not move a ref',
    });
  });
});

describe('Bitbucket Cloud hook without a secret', () => {
  it('answers 401 saying what to set', () => {
    const payload = fixture('bitbucket-cloud-push');
    const headers = { 'x-event-key': 'repo:push', 'content-type': 'application/json' };
    const options = { secret: testSecret, maxBodyBytes: 1 << 20, secretName: 'BERTH_WEBHOOK_SECRET_BITBUCKET_CLOUD' };
    const early = checkBeforeBody('bitbucket-cloud', headers, options);
    const late = parseWebhook('bitbucket-cloud', headers, payload, options);
    for (const result of [early, late]) {
      assert.equal(result.kind, 'rejected');
      assert.equal(result.status, 401);
      assert.match(result.reason, /^missing X-Hub-Signature header: the Bitbucket Cloud webhook has no secret/);
      assert.match(result.reason, /set its Secret .* to the value of BERTH_WEBHOOK_SECRET_BITBUCKET_CLOUD/);
    }
  });
});
