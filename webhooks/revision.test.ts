import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeRef, refMatchesRevision, tagVersion } from './revision.ts';

/** [pushed ref, targetRevision, matches?] */
type Row = readonly [string, string | undefined, boolean];

function check(rows: readonly Row[], options?: { defaultBranch?: string }): void {
  for (const [ref, target, expected] of rows) {
    assert.equal(refMatchesRevision(ref, target, options), expected, `${ref} vs ${String(target)}`);
  }
}

describe('refMatchesRevision', () => {
  it('matches a branch by name, by full ref and by heads/ name', () => {
    check([
      ['refs/heads/main', 'main', true],
      ['refs/heads/main', 'refs/heads/main', true],
      ['refs/heads/main', 'heads/main', true],
      ['refs/heads/feature/canary', 'feature/canary', true],
      ['refs/heads/main', 'master', false],
      ['refs/heads/main2', 'main', false],
      ['refs/heads/Main', 'main', false],
      ['refs/tags/main', 'refs/heads/main', false],
    ]);
  });

  it('matches a tag by name and by full ref', () => {
    check([
      ['refs/tags/v1.2.0', 'v1.2.0', true],
      ['refs/tags/v1.2.0', 'refs/tags/v1.2.0', true],
      ['refs/tags/release-2024-05', 'release-2024-05', true],
      ['refs/tags/v1.2.0', 'refs/heads/v1.2.0', false],
    ]);
  });

  it('never matches a full commit SHA: a push cannot move a pinned commit', () => {
    check([
      ['refs/heads/main', '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', false],
      ['refs/heads/main', '0D1A26E67D8F5EAF1F6BA5C57FC3C7D91AC0FD1C', false],
      ['refs/heads/main', 'a'.repeat(64), false],
      ['refs/tags/v1.0.0', '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', false],
    ]);
  });

  it('matches a short SHA only against a ref of that very name', () => {
    check([
      ['refs/heads/main', '0d1a26e', false],
      ['refs/tags/v1.0.0', '0d1a26e', false],
      ['refs/heads/0d1a26e', '0d1a26e', true],
    ]);
  });

  it('matches tags in a semver range, with or without a v', () => {
    check([
      ['refs/tags/v1.4.0', '>=1.2 <2', true],
      ['refs/tags/v1.4.0', '^1.0.0', true],
      ['refs/tags/v1.4.0', '1.x', true],
      ['refs/tags/1.4.0', '~1.4', true],
      ['refs/tags/v1.4.0', '^1', true],
      ['refs/tags/v1.4.0', '*', true],
      ['refs/tags/v2.0.0', '>=1.2 <2', false],
      ['refs/tags/v1.1.9', '>=1.2 <2', false],
      ['refs/tags/v0.9.0', '^1.0.0', false],
      ['refs/tags/1.2.0', 'v1.2.0', true],
    ]);
  });

  it('leaves pre-releases out of a range unless the range names one', () => {
    check([
      ['refs/tags/v1.5.0-rc.1', '^1.0.0', false],
      ['refs/tags/v1.5.0-rc.2', '>=1.5.0-rc.1 <2', true],
    ]);
  });

  it('matches no branch with a range, and no tag that is not a version', () => {
    check([
      ['refs/heads/v1.4.0', '^1.0.0', false],
      ['refs/tags/latest', '^1.0.0', false],
      ['refs/tags/v1.4', '^1.0.0', false],
      ['refs/tags/release-1.4.0', '^1.0.0', false],
    ]);
  });

  it('reads a name the way the resolver does: 1.x is a branch and a range, x is also *', () => {
    check([
      ['refs/heads/1.x', '1.x', true],
      ['refs/tags/v1.4.0', '1.x', true],
      ['refs/heads/x', 'x', true],
      ['refs/tags/v1.4.0', 'x', true],
      ['refs/tags/v1.4.0', 'main', false],
    ]);
  });

  it('reads HEAD and an empty revision as the default branch when it is known', () => {
    check(
      [
        ['refs/heads/main', 'HEAD', true],
        ['refs/heads/main', '', true],
        ['refs/heads/main', undefined, true],
        ['refs/heads/feature', 'HEAD', false],
        ['refs/tags/v1.0.0', 'HEAD', false],
      ],
      { defaultBranch: 'main' },
    );
  });

  it('matches HEAD to any branch push when the default branch is unknown (a spare refresh beats a missed one)', () => {
    check([
      ['refs/heads/main', 'HEAD', true],
      ['refs/heads/feature', 'HEAD', true],
      ['refs/tags/v1.0.0', 'HEAD', false],
      ['refs/pull/1/head', 'HEAD', false],
    ]);
  });
});

describe('describeRef and tagVersion', () => {
  it('splits a ref into its kind and name', () => {
    assert.deepEqual(describeRef('refs/heads/feature/x'), { type: 'branch', name: 'feature/x' });
    assert.deepEqual(describeRef('refs/tags/v1.0.0'), { type: 'tag', name: 'v1.0.0' });
    assert.deepEqual(describeRef('refs/notes/commits'), { type: 'other', name: 'refs/notes/commits' });
  });

  it('reads a version from a tag name', () => {
    assert.equal(tagVersion('v1.2.3'), '1.2.3');
    assert.equal(tagVersion('1.2.3-rc.1'), '1.2.3-rc.1');
    assert.equal(tagVersion('V1.2.3'), undefined);
    assert.equal(tagVersion('v1.2'), undefined);
    assert.equal(tagVersion('release-1.2.3'), undefined);
  });
});
