import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendHistory } from './history.ts';
import { inventoryOf } from './inventory.ts';
import { initialReleaseRecord, type ReleaseRecord } from './release.ts';
import { parseLegacyReleaseRecord, parseReleaseRecord, releaseRecordVersion, serializeReleaseRecord, type ReleaseOwner } from './release-record.ts';

const owner: ReleaseOwner = { namespace: 'shop', name: 'web', uid: '0b6d4f1e-2c1a-4e0b-9f55-3d3c2f0e9a11' };
const ref = { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'a' };
const record: ReleaseRecord = {
  ...initialReleaseRecord(inventoryOf([ref])),
  appliedRevision: 'abc',
  rollout: { revision: 'abc', startedAt: 1, healthTimeoutMs: 300_000, refs: [ref], nextCheckAt: 2 },
  history: appendHistory([], { revision: 'abc', initiator: 'auto', phase: 'Succeeded', startedAt: 'a', finishedAt: 'b', changes: undefined, message: 'synced' }),
};
const stored = (change: (value: Record<string, unknown>) => void): string => {
  const value = JSON.parse(serializeReleaseRecord(record, owner)) as Record<string, unknown>;
  change(value);
  return JSON.stringify(value);
};
const problemOf = (text: string, expected: ReleaseOwner = owner): string => {
  const parsed = parseReleaseRecord(text, expected);
  if (parsed.ok) assert.fail('expected a problem');
  return parsed.problem;
};

describe('the persisted release record', () => {
  it('reads back what was written (an undefined field comes back absent, as JSON has it)', () => {
    const parsed = parseReleaseRecord(serializeReleaseRecord(record, owner), owner);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.record, JSON.parse(JSON.stringify(record)));
    assert.equal((JSON.parse(serializeReleaseRecord(record, owner)) as { version: unknown }).version, releaseRecordVersion);
  });

  it('reads back a record of an Application from a file (no uid)', () => {
    const fileOwner = { namespace: 'shop', name: 'web' };
    assert.ok(parseReleaseRecord(serializeReleaseRecord(record, fileOwner), fileOwner).ok);
  });

  const refused: [string, string, RegExp][] = [
    ['text that is no JSON', '{"version": 1,', /^not JSON: /],
    ['a JSON array', '[]', /^not a JSON object$/],
    ['no version (the old unversioned format)', JSON.stringify(record), /^version: expected 1, got none$/],
    ['another version', stored((v) => { v.version = 2; }), /^version: expected 1, got 2$/],
    ['an inventory entry without a kind', stored((v) => { (v.release as { inventory: { entries: unknown[] } }).inventory.entries = [{ ...ref, kind: '' }]; }), /^release\.inventory\.entries\[0\]\.kind: /],
    ['an unknown status', stored((v) => { (v.release as { state: { status: string } }).state.status = 'Great'; }), /^release\.state\.status: /],
    ['history that is not a list', stored((v) => { (v.release as { history: unknown }).history = {}; }), /^release\.history: /],
    ['no owner', stored((v) => { delete v.owner; }), /^owner: /],
  ];
  for (const [what, text, problem] of refused) {
    it(`refuses ${what}`, () => { assert.match(problemOf(text), problem); });
  }

  it('refuses a record copied from another Application, or from an earlier Application of the same name', () => {
    const copied = serializeReleaseRecord(record, { namespace: 'other', name: 'web', uid: owner.uid });
    assert.match(problemOf(copied), /^owner: the record belongs to Application other\/web \(uid .*\), not shop\/web \(uid /);
    assert.match(problemOf(serializeReleaseRecord(record, { ...owner, uid: 'another-uid' })), /^owner: /);
    assert.match(problemOf(serializeReleaseRecord(record, { namespace: 'shop', name: 'web' })), /^owner: /);
  });
});

describe('a record of the old location', () => {
  it('yields its history, failed revision and inventory candidates, and nothing else', () => {
    const old = { ...record, state: { ...record.state, failedRevision: 'bad', lastHealthyRevision: 'good' } };
    assert.deepEqual(parseLegacyReleaseRecord(JSON.stringify(old)), { history: JSON.parse(JSON.stringify(record.history)) as unknown, failedRevision: 'bad', inventory: [ref] });
  });

  it('yields nothing when it cannot be read', () => {
    assert.equal(parseLegacyReleaseRecord('nope'), undefined);
    assert.equal(parseLegacyReleaseRecord(JSON.stringify({ history: 'x' })), undefined);
  });
});
