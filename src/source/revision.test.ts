import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSemverRange, resolveRevision, type AdvertisedRef } from './revision.ts';

const sha = (digit: string): string => digit.repeat(40);
const refs: AdvertisedRef[] = [
  { ref: 'HEAD', oid: sha('1'), target: 'refs/heads/main' },
  { ref: 'refs/heads/main', oid: sha('1') },
  { ref: 'refs/heads/release', oid: sha('2') },
  { ref: 'refs/tags/v1.0.0', oid: sha('3') },
  { ref: 'refs/tags/v1.2.0', oid: sha('4'), peeled: sha('5') },
  { ref: 'refs/tags/1.3.0-rc.1', oid: sha('6') },
  { ref: 'refs/tags/v2.0.0', oid: sha('7') },
  { ref: 'refs/tags/latest', oid: sha('8') },
];

describe('resolveRevision', () => {
  it('resolves HEAD, a branch, a tag and a full ref name', () => {
    assert.deepEqual(resolveRevision(refs, 'HEAD'), { found: true, kind: 'head', ref: 'HEAD', commit: sha('1') });
    assert.deepEqual(resolveRevision(refs, 'release'), { found: true, kind: 'branch', ref: 'refs/heads/release', commit: sha('2') });
    assert.deepEqual(resolveRevision(refs, 'latest'), { found: true, kind: 'tag', ref: 'refs/tags/latest', commit: sha('8'), tag: 'latest' });
    assert.deepEqual(resolveRevision(refs, 'refs/heads/main'), { found: true, kind: 'branch', ref: 'refs/heads/main', commit: sha('1') });
  });

  it('peels an annotated tag to its commit', () => {
    const resolved = resolveRevision(refs, 'v1.2.0');
    assert.ok(resolved.found);
    assert.equal(resolved.commit, sha('5'));
  });

  it('picks the highest tag in a semver range, ignoring pre-releases unless asked', () => {
    const pick = (range: string): string | undefined => {
      const resolved = resolveRevision(refs, range);
      return resolved.found ? resolved.tag : undefined;
    };
    assert.equal(pick('^1.0.0'), 'v1.2.0');
    assert.equal(pick('~1.0'), 'v1.0.0');
    assert.equal(pick('>=1.0.0 <3'), 'v2.0.0');
    assert.equal(pick('*'), 'v2.0.0');
    assert.equal(pick('>=1.3.0-rc.0 <2'), '1.3.0-rc.1');
  });

  it('says what is missing for an unknown name or an unmatched range', () => {
    assert.deepEqual(resolveRevision(refs, 'feature/x'), { found: false, kind: 'missing', reason: 'no branch or tag named feature/x' });
    assert.deepEqual(resolveRevision(refs, '^9'), { found: false, kind: 'missing', reason: 'no tag matches the semver range ^9 (among 4 version tags)' });
  });

  it('treats commit ids as commits, advertised or not', () => {
    assert.deepEqual(resolveRevision(refs, sha('2')), { found: true, kind: 'commit', ref: 'refs/heads/release', commit: sha('2') });
    assert.deepEqual(resolveRevision(refs, 'ABCDEF1'), { found: false, kind: 'commit', sha: 'abcdef1' });
    assert.deepEqual(resolveRevision(refs, sha('e')), { found: false, kind: 'commit', sha: sha('e') });
  });

  it('tells a range from a plain version or a name', () => {
    assert.equal(isSemverRange('^1.2'), true);
    assert.equal(isSemverRange('1.x'), true);
    assert.equal(isSemverRange('1.2.3'), false);
    assert.equal(isSemverRange('main'), false);
  });
});
