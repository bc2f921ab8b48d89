import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGitLabWebhook } from './gitlab.ts';
import { body, deliver, fixture, fixtureObject, onlyEvent, testSecret } from './testdata/deliveries.ts';

describe('GitLab Push Hook', () => {
  it('reads a branch push: project URLs, ref, commits, idempotency key and changed files', () => {
    const event = onlyEvent(deliver('gitlab', fixture('gitlab-push')));
    assert.deepEqual(event, {
      provider: 'gitlab',
      deliveryId: 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f',
      repository: {
        urls: [
          'https://gitlab.example.com/mike/diaspora.git',
          'git@gitlab.example.com:mike/diaspora.git',
          'https://gitlab.example.com/mike/diaspora',
        ],
        name: 'mike/diaspora',
        defaultBranch: 'master',
      },
      ref: 'refs/heads/master',
      before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
      after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      created: false,
      deleted: false,
      changedPaths: { status: 'complete', paths: ['overlays/staging/patch.yaml', 'overlays/staging/kustomization.yaml', 'README.md'] },
    });
  });

  it('falls back to X-Gitlab-Event-UUID as the delivery id on GitLab versions without Idempotency-Key', () => {
    const payload = fixture('gitlab-push');
    const headers = { 'x-gitlab-token': testSecret, 'x-gitlab-event': 'Push Hook', 'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e' };
    assert.equal(onlyEvent(parseGitLabWebhook(headers, payload, testSecret)).deliveryId, '13792a34-cac6-4fda-95a8-c58e00a3954e');
  });

  it('marks the files as partial when total_commits_count exceeds the listed commits (GitLab lists 20)', () => {
    const event = onlyEvent(deliver('gitlab', body({ ...fixtureObject('gitlab-push'), total_commits_count: 24 })));
    assert.deepEqual(event.changedPaths, {
      status: 'partial',
      paths: ['overlays/staging/patch.yaml', 'overlays/staging/kustomization.yaml', 'README.md'],
      reason: 'total_commits_count is 24 but only 2 commits are listed',
    });
  });

  it('reads a branch deletion', () => {
    const event = onlyEvent(deliver('gitlab', fixture('gitlab-push-delete')));
    assert.equal(event.ref, 'refs/heads/feature/canary');
    assert.equal(event.deleted, true);
    assert.equal(event.after, undefined);
    assert.equal(event.before, 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7');
  });

  it('rejects a Push Hook whose object_kind is not a push, naming the field', () => {
    const result = deliver('gitlab', body({ ...fixtureObject('gitlab-push'), object_kind: 'merge_request' }));
    assert.equal(result.kind, 'rejected');
    assert.match(result.reason, /^object_kind: /);
  });
});

describe('GitLab Tag Push Hook', () => {
  it('reads a created tag', () => {
    const event = onlyEvent(deliver('gitlab', fixture('gitlab-tag-push'), { 'x-gitlab-event': 'Tag Push Hook' }));
    assert.equal(event.ref, 'refs/tags/v1.0.0');
    assert.equal(event.created, true);
    assert.equal(event.before, undefined);
    assert.equal(event.after, '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7');
    assert.equal(event.repository.name, 'jsmith/example');
    assert.deepEqual(event.repository.urls, [
      'https://gitlab.example.com/jsmith/example.git',
      'git@gitlab.example.com:jsmith/example.git',
      'https://gitlab.example.com/jsmith/example',
    ]);
    assert.equal(event.changedPaths.status, 'unavailable');
  });

  it('reads a deleted tag', () => {
    const payload = { ...fixtureObject('gitlab-tag-push'), before: '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7', after: '0'.repeat(40) };
    const event = onlyEvent(deliver('gitlab', body(payload), { 'x-gitlab-event': 'Tag Push Hook' }));
    assert.equal(event.deleted, true);
  });
});

describe('GitLab events other than pushes', () => {
  it('ignores a Merge Request Hook', () => {
    const result = deliver('gitlab', fixture('gitlab-merge-request'), { 'x-gitlab-event': 'Merge Request Hook' });
    assert.deepEqual(result, { kind: 'ignored', reason: 'GitLab event "Merge Request Hook" does not move a ref' });
  });

  it('reads a push from a System Hook and ignores its other events', () => {
    assert.equal(deliver('gitlab', fixture('gitlab-push'), { 'x-gitlab-event': 'System Hook' }).kind, 'push');
    const other = deliver('gitlab', fixture('gitlab-merge-request'), { 'x-gitlab-event': 'System Hook' });
    assert.deepEqual(other, { kind: 'ignored', reason: 'GitLab system hook "merge_request" does not move a ref' });
  });

  it('rejects a verified delivery without X-Gitlab-Event with 400', () => {
    const result = parseGitLabWebhook({ 'x-gitlab-token': testSecret }, fixture('gitlab-push'), testSecret);
    assert.deepEqual(result, { kind: 'rejected', status: 400, reason: 'missing X-Gitlab-Event header' });
  });
});
