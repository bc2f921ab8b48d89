import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DriftCheckResult } from '../../sync/drift-check.ts';
import { compactDrift } from './status-store.ts';

function driftOf(diffs: string[]): DriftCheckResult {
  return {
    status: 'OutOfSync',
    counts: { Synced: 0, OutOfSync: diffs.length, Missing: 0, Extraneous: 0 },
    objects: diffs.map((diff, index) => ({
      ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: `cm-${index}` },
      status: 'OutOfSync' as const, mode: 'server-side-dry-run' as const,
      patch: [{ op: 'replace' as const, path: '/data/value', value: 'x' }], diff,
      live: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${index}` } },
    })),
    fallbacks: [],
    timings: { totalMs: 1, clusterMs: 1, diffMs: 0, dryRuns: 1, dryRunFailures: 0, gets: 1, lists: 0, retries: 0 },
  };
}

describe('the stored drift report', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('keeps status, patch and diff of each object, and never the live or predicted object', () => {
    const stored = compactDrift(driftOf(['--- a\n+++ b\n']), 'abc', now, { maxDiffChars: 1000, maxDriftBytes: 10_000 });
    assert.equal(stored.truncated, false);
    assert.deepEqual(stored.objects[0], {
      group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'cm-0', status: 'OutOfSync', mode: 'server-side-dry-run',
      diff: '--- a\n+++ b\n', patch: [{ op: 'replace', path: '/data/value', value: 'x' }],
    });
    assert.equal(stored.checkedAt, now.toISOString());
  });

  it('cuts a huge text diff and says so', () => {
    const stored = compactDrift(driftOf(['x'.repeat(5000)]), 'abc', now, { maxDiffChars: 100, maxDriftBytes: 100_000 });
    const [object] = stored.objects;
    assert.ok(object && object.diff.length < 200);
    assert.match(object.diff, /diff truncated \(5000 characters in all\)/);
    assert.equal(object.truncated, true);
    assert.equal(stored.truncated, true);
  });

  it('drops patch and diff of objects past the size cap, keeping their status', () => {
    const stored = compactDrift(driftOf(['a'.repeat(600), 'b'.repeat(600), 'c'.repeat(600)]), 'abc', now, { maxDiffChars: 1000, maxDriftBytes: 1500 });
    assert.deepEqual(stored.objects.map((object) => [object.status, object.diff.length > 0, object.truncated === true]), [
      ['OutOfSync', true, false], ['OutOfSync', true, false], ['OutOfSync', false, true],
    ]);
    assert.ok(JSON.stringify(stored).length < 2500);
  });
});
