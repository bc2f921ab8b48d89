import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBitbucketServerWebhook } from './bitbucket-server.ts';
import { body, deliver, fixture, fixtureObject, hmacHex, onlyEvent, pushEvents, testSecret } from './testdata/deliveries.ts';

const cloneUrls = ['ssh://git@bitbucket.example.com:7999/ops/deploy.git', 'https://bitbucket.example.com/scm/ops/deploy.git'];

describe('Bitbucket Server repo:refs_changed', () => {
  it('reads a branch update: both clone URLs, ref, hashes, request id; no file list', () => {
    const event = onlyEvent(deliver('bitbucket-server', fixture('bitbucket-server-refs-changed')));
    assert.deepEqual(event, {
      provider: 'bitbucket-server',
      deliveryId: 'b6d3a2c4-5e1f-4a7b-9c8d-0e1f2a3b4c5d',
      repository: { urls: cloneUrls, name: 'OPS/deploy' },
      ref: 'refs/heads/master',
      before: 'f09c8889a2d234985734958795a31589cd91ffda',
      after: '22671f0349857934857983457983475ec39f196b',
      created: false,
      deleted: false,
      changedPaths: { status: 'unavailable', reason: 'Bitbucket Server payloads do not list changed files' },
    });
  });

  it('gives one event per change: an added tag and a deleted branch in one delivery', () => {
    const [tag, branch, ...rest] = pushEvents(deliver('bitbucket-server', fixture('bitbucket-server-refs-changed-tag-and-delete')));
    assert.deepEqual(rest, []);
    assert.equal(tag?.ref, 'refs/tags/v3.0.0');
    assert.equal(tag.created, true);
    assert.equal(tag.after, '22671f0349857934857983457983475ec39f196b');
    assert.equal(branch?.ref, 'refs/heads/feature/canary');
    assert.equal(branch.deleted, true);
    assert.equal(branch.after, undefined);
    assert.equal(tag.deliveryId, branch.deliveryId);
  });

  it('ignores a delivery without changes', () => {
    const result = deliver('bitbucket-server', body({ ...fixtureObject('bitbucket-server-refs-changed'), changes: [] }));
    assert.deepEqual(result, { kind: 'ignored', reason: 'the delivery lists no ref changes' });
  });

  it('rejects a payload with neither clone links nor project key, or with an unknown change type, naming the field', () => {
    const noLinks = fixtureObject('bitbucket-server-refs-changed');
    noLinks.repository = { slug: 'deploy' };
    assert.deepEqual(deliver('bitbucket-server', body(noLinks)), {
      kind: 'rejected', status: 400, reason: 'repository: no links.clone, and no project.key with slug',
    });

    const payload = fixtureObject('bitbucket-server-refs-changed');
    const [change] = payload.changes as Record<string, unknown>[];
    const result = deliver('bitbucket-server', body({ ...payload, changes: [{ ...change, type: 'MERGE' }] }));
    assert.match(result.kind === 'rejected' ? result.reason : '', /^changes\[0\]\.type: /);
  });
});

describe('Bitbucket Server events other than pushes', () => {
  it('answers diagnostics:ping (the Test connection button) as a ping, once verified', () => {
    const payload = fixture('bitbucket-server-ping');
    assert.deepEqual(deliver('bitbucket-server', payload, { 'x-event-key': 'diagnostics:ping' }), {
      kind: 'ping',
      reason: 'Bitbucket Server test connection',
    });
    assert.equal(parseBitbucketServerWebhook({ 'x-event-key': 'diagnostics:ping' }, payload, testSecret).kind, 'rejected');
  });

  it('ignores pull request events', () => {
    assert.equal(deliver('bitbucket-server', fixture('bitbucket-server-ping'), { 'x-event-key': 'pr:merged' }).kind, 'ignored');
  });

  it('refuses a signature made with another algorithm, saying which', () => {
    const payload = fixture('bitbucket-server-refs-changed');
    const result = parseBitbucketServerWebhook(
      { 'x-event-key': 'repo:refs_changed', 'x-hub-signature': `sha1=${hmacHex(payload).slice(0, 40)}` },
      payload,
      testSecret,
    );
    assert.deepEqual(result, { kind: 'rejected', status: 401, reason: 'X-Hub-Signature uses sha1; only HMAC-SHA256 (sha256=) is accepted' });
  });
});
