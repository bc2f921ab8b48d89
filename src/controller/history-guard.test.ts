import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needsHistoryCheck, unrelatedHistoryRefusal, type HistoryCheck } from './history-guard.ts';

const deployed = 'a'.repeat(40);
const pushed = 'b'.repeat(40);
const check: HistoryCheck = { repositoryURL: 'https://git.example/shop.git', targetRevision: 'main', applied: deployed, target: pushed, app: 'shop/web' };

describe('the unrelated-history guard', () => {
  it('checks nothing before the first deploy or when the target is the deployed commit', () => {
    assert.equal(needsHistoryCheck({ applied: undefined, target: pushed }), false);
    assert.equal(needsHistoryCheck({ applied: pushed, target: pushed }), false);
    assert.equal(needsHistoryCheck({ applied: deployed, target: pushed }), true);
  });

  it('lets a related or an undecided commit through', () => {
    assert.equal(unrelatedHistoryRefusal(check, true), undefined);
    assert.equal(unrelatedHistoryRefusal(check, undefined), undefined);
  });

  it('refuses an unrelated commit naming the repository, the ref, both commits and how to accept it', () => {
    const message = unrelatedHistoryRefusal(check, false) ?? '';
    assert.match(message, /^https:\/\/git\.example\/shop\.git@main: /);
    assert.ok(message.includes(deployed) && message.includes(pushed), message);
    assert.ok(message.includes('berth sync shop/web'), message);
    assert.ok(message.includes('POST /api/v1/namespaces/shop/applications/web/sync'), message);
  });
});
