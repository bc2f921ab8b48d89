import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseGenericWebhook } from '../webhooks/generic.ts';
import { genericDelivery, gitRequestsOf, highest, reconcileOverlap } from './webhook-measures.ts';

describe('reconcileOverlap', () => {
  it('finds two runs of one Application in progress at once', () => {
    const { maxConcurrent, started } = reconcileOverlap([
      { app: 'ns/a', msg: 'reconcile started' },
      { app: 'ns/a', msg: 'reconcile started' },
      { app: 'ns/a', msg: 'reconciled' },
      { app: 'ns/a', msg: 'reconciled' },
    ]);
    assert.equal(maxConcurrent.get('ns/a'), 2);
    assert.equal(started.get('ns/a'), 2);
  });

  it('sees runs of one Application one after another as one at a time, whatever other Applications do', () => {
    const { maxConcurrent } = reconcileOverlap([
      { app: 'ns/a', msg: 'reconcile started' },
      { app: 'ns/b', msg: 'reconcile started' },
      { app: 'ns/a', msg: 'reconciled' },
      { app: 'ns/a', msg: 'reconcile started' },
      { app: 'ns/a', msg: 'reconcile failed; retrying with backoff' },
      { app: 'ns/b', msg: 'reconciled' },
    ]);
    assert.equal(maxConcurrent.get('ns/a'), 1);
    assert.equal(maxConcurrent.get('ns/b'), 1);
  });

  it('counts only the Applications asked for, and never goes below zero on an end without a start', () => {
    const { maxConcurrent } = reconcileOverlap([
      { app: 'ns/a', msg: 'reconciled' },
      { app: 'ns/a', msg: 'reconcile started' },
      { app: 'ns/c', msg: 'reconcile started' },
    ], new Set(['ns/a']));
    assert.equal(maxConcurrent.get('ns/a'), 1);
    assert.equal(maxConcurrent.has('ns/c'), false);
    assert.equal(highest(maxConcurrent.values()), 1);
    assert.equal(highest([]), 0);
  });
});

describe('gitRequestsOf', () => {
  it('counts pack downloads and ref listings of one repository only', () => {
    const counts = gitRequestsOf([
      { method: 'GET', path: '/storm.git/info/refs' },
      { method: 'POST', path: '/storm.git/git-upload-pack' },
      { method: 'POST', path: '/other.git/git-upload-pack' },
      { method: 'GET', path: '/storm.git/info/refs' },
    ], 'storm');
    assert.deepEqual(counts, { fetches: 1, refListings: 2 });
  });
});

describe('genericDelivery', () => {
  it('is accepted by the generic adapter with the same secret and refused with another', () => {
    const after = 'a'.repeat(40);
    const delivery = genericDelivery({ secret: 's3cret', repository: 'http://127.0.0.1:1/x.git', after, deliveryId: 'd-1' });
    const body = Buffer.from(delivery.body);
    const accepted = parseGenericWebhook(delivery.headers, body, 's3cret');
    assert.equal(accepted.kind, 'push');
    assert.equal(accepted.events[0].after, after);
    assert.equal(parseGenericWebhook(delivery.headers, body, 'other').kind, 'rejected');
  });
});
