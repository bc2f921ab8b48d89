import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergePollTargets, pollOffsetMs, pollSchedulerId } from './poll-schedulers.ts';

describe('poll jitter', () => {
  it('gives a key the same offset every time, within its interval', () => {
    const offset = pollOffsetMs('https://git.example/a.git#main', 180_000);
    assert.equal(pollOffsetMs('https://git.example/a.git#main', 180_000), offset);
    assert.ok(offset >= 1 && offset < 180_000);
  });

  it('spreads 1,000 repositories over a 3-minute interval', () => {
    const seconds = new Set<number>();
    for (let i = 0; i < 1_000; i++) seconds.add(Math.floor(pollOffsetMs(`https://git.example/team-${i}/deploy.git#main`, 180_000) / 1_000));
    // 180 one-second slots; a hash that spreads well fills nearly all of them.
    assert.ok(seconds.size > 150, `only ${seconds.size} of 180 seconds used`);
  });

  it('derives scheduler ids without colons', () => {
    const id = pollSchedulerId('https://git.example:8443/a.git#main');
    assert.doesNotMatch(id, /:/);
    assert.notEqual(id, pollSchedulerId('https://git.example:8443/a.git#dev'));
  });
});

describe('poll targets', () => {
  it('merge Applications sharing a repository and ref into one, at the shortest interval', () => {
    const merged = mergePollTargets([
      { key: 'a#main', repoURL: 'a', ref: 'main', everyMs: 180_000 },
      { key: 'a#main', repoURL: 'a', ref: 'main', everyMs: 60_000 },
      { key: 'a#dev', repoURL: 'a', ref: 'dev', everyMs: 180_000 },
    ]);
    assert.deepEqual([...merged.keys()].sort(), ['a#dev', 'a#main']);
    assert.equal(merged.get('a#main')?.everyMs, 60_000);
  });

  it('refuse an interval under a second', () => {
    assert.throws(() => mergePollTargets([{ key: 'a#main', repoURL: 'a', ref: 'main', everyMs: 10 }]), RangeError);
  });
});
