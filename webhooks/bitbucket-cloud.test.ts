import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { body, deliver, fixture, fixtureObject, onlyEvent, pushEvents } from './testdata/deliveries.ts';

describe('Bitbucket Cloud repo:push', () => {
  it('reads a branch update: repository URLs, ref, hashes, request id; no file list', () => {
    const event = onlyEvent(deliver('bitbucket-cloud', fixture('bitbucket-cloud-push')));
    assert.deepEqual(event, {
      provider: 'bitbucket-cloud',
      deliveryId: '0c3e4b1a-9f8e-4d7c-b6a5-4e3d2c1b0a99',
      repository: { urls: ['https://bitbucket.org/stark/deploy', 'https://bitbucket.org/stark/deploy.git'], name: 'stark/deploy' },
      ref: 'refs/heads/main',
      before: '80c4c8ec647a28073f06dd3cda61b6aefbb30c09',
      after: '709d658dc5b6d6afcd46049c2f332ee3f515a67d',
      created: false,
      deleted: false,
      forced: false,
      changedPaths: { status: 'unavailable', reason: 'Bitbucket Cloud payloads do not list changed files' },
    });
  });

  it('gives one event per change: a created tag and a deleted branch in one delivery, same delivery id', () => {
    const events = pushEvents(deliver('bitbucket-cloud', fixture('bitbucket-cloud-push-tag-and-delete')));
    assert.deepEqual(
      events.map((e) => [e.ref, e.created, e.deleted, e.before, e.after, e.deliveryId]),
      [
        ['refs/tags/v1.4.0', true, false, undefined, '709d658dc5b6d6afcd46049c2f332ee3f515a67d', '0c3e4b1a-9f8e-4d7c-b6a5-4e3d2c1b0a99'],
        ['refs/heads/feature/canary', false, true, '3f1b0b0c9e5d8a7f6e5d4c3b2a1f0e9d8c7b6a59', undefined, '0c3e4b1a-9f8e-4d7c-b6a5-4e3d2c1b0a99'],
      ],
    );
  });

  it('reports a force push', () => {
    const payload = fixtureObject('bitbucket-cloud-push');
    const [change] = (payload.push as { changes: Record<string, unknown>[] }).changes;
    const event = onlyEvent(deliver('bitbucket-cloud', body({ ...payload, push: { changes: [{ ...change, forced: true }] } })));
    assert.equal(event.forced, true);
  });

  it('skips changes to refs that are neither branches nor tags, and ignores a delivery left with none', () => {
    const payload = fixtureObject('bitbucket-cloud-push');
    const bookmark = { new: { type: 'bookmark', name: 'tip', target: { hash: '709d658dc5b6d6afcd46049c2f332ee3f515a67d' } }, old: null };
    assert.deepEqual(deliver('bitbucket-cloud', body({ ...payload, push: { changes: [bookmark] } })), {
      kind: 'ignored',
      reason: 'the delivery moves no branch or tag',
    });
  });

  it('rejects a change with neither new nor old, naming it', () => {
    const result = deliver('bitbucket-cloud', body({ ...fixtureObject('bitbucket-cloud-push'), push: { changes: [{ new: null, old: null }] } }));
    assert.deepEqual(result, { kind: 'rejected', status: 400, reason: 'push.changes[0].new: one of new and old is required' });
  });
});

describe('Bitbucket Cloud events other than pushes', () => {
  it('ignores them (Bitbucket Cloud has no ping)', () => {
    for (const key of ['pullrequest:created', 'repo:commit_status_updated', 'repo:fork']) {
      assert.equal(deliver('bitbucket-cloud', fixture('bitbucket-cloud-push'), { 'x-event-key': key }).kind, 'ignored');
    }
  });
});
