import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GenericPushPayload } from './generic.ts';
import { body, deliver, fixture, onlyEvent } from './testdata/deliveries.ts';

const base: GenericPushPayload = {
  repository: 'https://git.example.com/team/deploy.git',
  ref: 'refs/heads/main',
  after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
};

describe('generic push', () => {
  it('reads the documented body: repository URLs, ref, commits, changed paths', () => {
    const event = onlyEvent(deliver('generic', fixture('generic-push')));
    assert.deepEqual(event, {
      provider: 'generic',
      deliveryId: 'ci-run-4711',
      repository: { urls: ['https://git.example.com/team/deploy.git', 'git@git.example.com:team/deploy.git'] },
      ref: 'refs/heads/main',
      before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
      created: false,
      deleted: false,
      changedPaths: { status: 'complete', paths: ['apps/web/deployment.yaml', 'apps/api/pdb.yaml'] },
    });
  });

  it('takes a single repository URL and no before; without changedPaths the files are unavailable', () => {
    const event = onlyEvent(deliver('generic', body(base)));
    assert.deepEqual(event.repository.urls, ['https://git.example.com/team/deploy.git']);
    assert.equal(event.before, undefined);
    assert.equal(event.created, false);
    assert.deepEqual(event.changedPaths, { status: 'unavailable', reason: 'the delivery lists no changedPaths' });
  });

  it('reads a tag push', () => {
    assert.equal(onlyEvent(deliver('generic', body({ ...base, ref: 'refs/tags/v1.2.0' }))).ref, 'refs/tags/v1.2.0');
  });

  it('reads an all-zero after as a deletion', () => {
    const event = onlyEvent(deliver('generic', body({ ...base, after: '0'.repeat(40) })));
    assert.equal(event.deleted, true);
    assert.equal(event.after, undefined);
  });

  it('answers X-Event: ping as a ping', () => {
    assert.deepEqual(deliver('generic', Buffer.from('{}'), { 'x-event': 'ping' }), { kind: 'ping', reason: 'generic ping' });
  });

  it('rejects a short ref, a blank repository and paths of the wrong type, naming the field', () => {
    const reasons = [
      deliver('generic', body({ ...base, ref: 'main' })),
      deliver('generic', body({ ...base, repository: ' ' })),
      deliver('generic', body({ ...base, repository: [] })),
      deliver('generic', body({ ...base, changedPaths: 'apps/web' })),
    ].map((result) => (result.kind === 'rejected' ? `${result.status} ${result.reason.split(':')[0] ?? ''}` : result.kind));
    assert.deepEqual(reasons, ['400 ref', '400 repository', '400 repository', '400 changedPaths']);
  });
});
