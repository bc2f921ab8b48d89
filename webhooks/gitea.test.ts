import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGiteaWebhook } from './gitea.ts';
import { body, deliver, fixture, fixtureObject, hmacHex, onlyEvent, testSecret } from './testdata/deliveries.ts';

describe('Gitea push', () => {
  it('reads a branch push: repository URLs, ref, commits and changed files (null lists are empty)', () => {
    const event = onlyEvent(deliver('gitea', fixture('gitea-push')));
    assert.deepEqual(event, {
      provider: 'gitea',
      deliveryId: 'f6266f16-1bf3-46a5-9ea4-602e06ead473',
      repository: {
        urls: ['http://localhost:3000/gitea/webhooks.git', 'ssh://gitea@localhost:2222/gitea/webhooks.git', 'http://localhost:3000/gitea/webhooks'],
        name: 'gitea/webhooks',
        defaultBranch: 'master',
      },
      ref: 'refs/heads/develop',
      before: '28e1879d029cb852e4844d9c718537df08844e03',
      after: 'bffeb74224043ba2feb48d137756c8a9331c449a',
      created: false,
      deleted: false,
      changedPaths: {
        status: 'complete',
        paths: ['charts/web/values.yaml', 'charts/web/templates/deployment.yaml', 'charts/web/values-old.yaml'],
      },
    });
  });

  it('marks the files as partial when total_commits exceeds the listed commits, or is missing (older Gitea)', () => {
    const more = onlyEvent(deliver('gitea', body({ ...fixtureObject('gitea-push'), total_commits: 12 })));
    assert.equal(more.changedPaths.status, 'partial');
    const { total_commits: _total, ...older } = fixtureObject('gitea-push');
    assert.equal(onlyEvent(deliver('gitea', body(older))).changedPaths.status, 'partial');
  });

  it('reads a tag push that created the tag', () => {
    const event = onlyEvent(deliver('gitea', fixture('gitea-push-tag')));
    assert.equal(event.ref, 'refs/tags/v2.1.0');
    assert.equal(event.created, true);
    assert.equal(event.after, 'bffeb74224043ba2feb48d137756c8a9331c449a');
  });

  it('reads a tag deletion, which Gitea sends as a push to all zeros', () => {
    const payload = { ...fixtureObject('gitea-push-tag'), before: 'bffeb74224043ba2feb48d137756c8a9331c449a', after: '0'.repeat(40) };
    const event = onlyEvent(deliver('gitea', body(payload)));
    assert.equal(event.deleted, true);
    assert.equal(event.ref, 'refs/tags/v2.1.0');
  });

  it('reads a branch deletion from the delete event, as Gitea sends no push for it', () => {
    const event = onlyEvent(deliver('gitea', fixture('gitea-delete'), { 'x-gitea-event': 'delete' }));
    assert.deepEqual(event, {
      provider: 'gitea',
      deliveryId: 'f6266f16-1bf3-46a5-9ea4-602e06ead473',
      repository: {
        urls: ['http://localhost:3000/gitea/webhooks.git', 'ssh://gitea@localhost:2222/gitea/webhooks.git', 'http://localhost:3000/gitea/webhooks'],
        name: 'gitea/webhooks',
        defaultBranch: 'master',
      },
      ref: 'refs/heads/feature/canary',
      created: false,
      deleted: true,
      changedPaths: { status: 'unavailable', reason: 'the ref was deleted' },
    });
  });

  it('ignores the create event: the push of the new ref arrives too', () => {
    const result = deliver('gitea', fixture('gitea-create'), { 'x-gitea-event': 'create' });
    assert.deepEqual(result, { kind: 'ignored', reason: 'Gitea event "create" does not move a ref' });
  });
});

describe('Forgejo push', () => {
  const payload = fixture('gitea-push');

  it('reads Forgejo headers', () => {
    const headers = { 'x-forgejo-signature': hmacHex(payload), 'x-forgejo-event': 'push', 'x-forgejo-delivery': 'forgejo-1' };
    const event = onlyEvent(parseGiteaWebhook(headers, payload, testSecret));
    assert.equal(event.deliveryId, 'forgejo-1');
  });

  it('checks X-Forgejo-Signature when present: a bad one is not rescued by a good X-Gitea-Signature', () => {
    const headers = { 'x-forgejo-signature': hmacHex(payload, 'other'), 'x-gitea-signature': hmacHex(payload), 'x-gitea-event': 'push' };
    assert.deepEqual(parseGiteaWebhook(headers, payload, testSecret), {
      kind: 'rejected',
      status: 401,
      reason: 'X-Forgejo-Signature does not match the body',
    });
  });
});
