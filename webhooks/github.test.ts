import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { githubCommitCap, parseGitHubWebhook } from './github.ts';
import { body, deliver, fixture, fixtureObject, hmacHex, onlyEvent, testSecret } from './testdata/deliveries.ts';

describe('GitHub push', () => {
  it('reads a branch push: repository URLs, ref, commits, delivery id and changed files', () => {
    const event = onlyEvent(deliver('github', fixture('github-push')));
    assert.deepEqual(event, {
      provider: 'github',
      deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      repository: {
        urls: [
          'https://github.com/Octo-Org/deploy.git',
          'git@github.com:Octo-Org/deploy.git',
          'https://github.com/Octo-Org/deploy',
          'git://github.com/Octo-Org/deploy.git',
        ],
        name: 'Octo-Org/deploy',
        defaultBranch: 'main',
      },
      ref: 'refs/heads/main',
      before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
      created: false,
      deleted: false,
      forced: false,
      changedPaths: { status: 'complete', paths: ['apps/web/deployment.yaml', 'apps/api/pdb.yaml', 'apps/api/hpa.yaml'] },
    });
  });

  it('reads a tag push that created the tag: no before, files unavailable', () => {
    const event = onlyEvent(deliver('github', fixture('github-push-tag')));
    assert.equal(event.ref, 'refs/tags/v1.4.0');
    assert.equal(event.created, true);
    assert.equal(event.before, undefined);
    assert.equal(event.after, '2c5a0bd4f0e7c03a14b3d0b6a5e3c8d3e1f0a9b8');
    assert.equal(event.changedPaths.status, 'unavailable');
  });

  it('reads a branch deletion: deleted, no after, the old commit as before', () => {
    const event = onlyEvent(deliver('github', fixture('github-push-delete')));
    assert.equal(event.ref, 'refs/heads/feature/canary');
    assert.equal(event.deleted, true);
    assert.equal(event.after, undefined);
    assert.equal(event.before, '9049f1265b7d61be4a8904a9a27120d2064dab3b');
    assert.deepEqual(event.changedPaths, { status: 'unavailable', reason: 'the ref was deleted' });
  });

  it('marks the files of a force push as partial: the replaced commits are not listed', () => {
    const event = onlyEvent(deliver('github', body({ ...fixtureObject('github-push'), forced: true })));
    assert.equal(event.forced, true);
    assert.equal(event.changedPaths.status, 'partial');
  });

  it(`marks the files as partial when the push lists ${githubCommitCap} commits, GitHub's cap`, () => {
    const commit = { id: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', added: [], removed: [], modified: ['README.md'] };
    const event = onlyEvent(deliver('github', body({ ...fixtureObject('github-push'), commits: Array.from({ length: githubCommitCap }, () => commit) })));
    assert.deepEqual(event.changedPaths, { status: 'partial', paths: ['README.md'], reason: `GitHub lists at most ${githubCommitCap} commits per push` });
  });

  it('says the files are unavailable when a push moved the branch without listing a commit', () => {
    const event = onlyEvent(deliver('github', body({ ...fixtureObject('github-push'), commits: [] })));
    assert.equal(event.changedPaths.status, 'unavailable');
  });

  it('marks the files as partial when a commit does not list them', () => {
    const payload = fixtureObject('github-push');
    const event = onlyEvent(deliver('github', body({ ...payload, commits: [{ id: 'x', modified: ['a.yaml'] }] })));
    assert.equal(event.changedPaths.status, 'partial');
  });

  it('lower-cases commit ids', () => {
    const payload = fixtureObject('github-push');
    const event = onlyEvent(deliver('github', body({ ...payload, after: '0D1A26E67D8F5EAF1F6BA5C57FC3C7D91AC0FD1C' })));
    assert.equal(event.after, '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c');
  });

  it('accepts a form-encoded delivery, verified on the form bytes', () => {
    const form = Buffer.from(new URLSearchParams({ payload: fixture('github-push').toString('utf8') }).toString());
    const event = onlyEvent(deliver('github', form, { 'content-type': 'application/x-www-form-urlencoded' }));
    assert.equal(event.ref, 'refs/heads/main');
  });

  it('rejects a form-encoded delivery without its payload field', () => {
    const form = Buffer.from('other=1');
    assert.deepEqual(deliver('github', form, { 'content-type': 'application/x-www-form-urlencoded' }), {
      kind: 'rejected',
      status: 400,
      reason: 'payload: form field is missing',
    });
  });

  it('rejects a short ref and an id that is not a full SHA, naming the field', () => {
    const short = deliver('github', body({ ...fixtureObject('github-push'), ref: 'main' }));
    assert.deepEqual(short, { kind: 'rejected', status: 400, reason: 'ref: expected a full ref such as refs/heads/main' });
    const abbreviated = deliver('github', body({ ...fixtureObject('github-push'), before: '6113728' }));
    assert.equal(abbreviated.kind === 'rejected' && abbreviated.reason, 'before: expected a full commit SHA (40 or 64 hex digits)');
  });

  it('rejects a push that names no repository URL', () => {
    const result = deliver('github', body({ ...fixtureObject('github-push'), repository: { full_name: 'Octo-Org/deploy' } }));
    assert.deepEqual(result, { kind: 'rejected', status: 400, reason: 'repository: no clone_url, ssh_url or html_url' });
  });
});

describe('GitHub events other than push', () => {
  it('answers a ping as a ping', () => {
    assert.deepEqual(deliver('github', fixture('github-ping'), { 'x-github-event': 'ping' }), { kind: 'ping', reason: 'GitHub ping from hook 30' });
  });

  it('ignores create and delete events: the push of the same ref says it all', () => {
    for (const event of ['create', 'delete', 'pull_request']) {
      const result = deliver('github', fixture('github-push'), { 'x-github-event': event });
      assert.equal(result.kind, 'ignored');
    }
  });

  it('rejects a verified delivery without X-GitHub-Event with 400', () => {
    const payload = fixture('github-push');
    const result = parseGitHubWebhook({ 'x-hub-signature-256': `sha256=${hmacHex(payload)}` }, payload, testSecret);
    assert.deepEqual(result, { kind: 'rejected', status: 400, reason: 'missing X-GitHub-Event header' });
  });

  it('rejects the legacy SHA-1 signature header alone', () => {
    const payload = fixture('github-push');
    const result = parseGitHubWebhook({ 'x-github-event': 'push', 'x-hub-signature': 'sha1=7d38cdd689735b008b3c702edd92eea23791c5f6' }, payload, testSecret);
    assert.deepEqual(result, { kind: 'rejected', status: 401, reason: 'missing X-Hub-Signature-256 header' });
  });
});
