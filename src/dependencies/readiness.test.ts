import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dependencyVerdict, type DependencyObservation } from './readiness.ts';

const healthy = (revision: string): DependencyObservation['release'] => ({ status: 'Healthy', revision, appliedRevision: revision, failedRevision: undefined });
const at = (revision: string, extra: Partial<DependencyObservation> = {}): DependencyObservation => ({ key: 'team/db', release: healthy(revision), ...extra });

// [what, dependencies, expected kind, message substring]
const rows: [string, DependencyObservation[], string, string][] = [
  ['Healthy at its revision', [at('aaaaaaa1')], 'ready', 'team/db is Healthy'],
  ['Healthy at the commit this Application syncs (same repository and ref)', [at('bbbbbbb2', { requiredRevision: 'bbbbbbb2' })], 'ready', 'team/db is Healthy'],
  ['Healthy, but not yet at that commit', [at('aaaaaaa1', { requiredRevision: 'bbbbbbb2' })], 'waiting', 'team/db (it is Healthy at aaaaaaa, not yet at bbbbbbb)'],
  ['that commit failed there and was rolled back', [{ key: 'team/db', release: { status: 'Healthy', revision: 'aaaaaaa1', appliedRevision: 'aaaaaaa1', failedRevision: 'bbbbbbb2' }, requiredRevision: 'bbbbbbb2' }], 'waiting', '(that revision failed there)'],
  ['rolling out', [{ key: 'team/db', release: { status: 'Progressing', revision: 'bbbbbbb2', appliedRevision: 'bbbbbbb2', failedRevision: undefined } }], 'waiting', 'its release is Progressing at bbbbbbb'],
  ['never reconciled', [{ key: 'team/db' }], 'waiting', 'it has not been reconciled yet'],
  ['unknown to the controller', [{ key: 'team/db', unavailable: 'no such Application' }], 'waiting', 'team/db (no such Application)'],
  ['readyExpr true', [at('a1', { readyExpr: `self.status.release.status == 'Healthy'`, self: { status: { release: { status: 'Healthy' } } } })], 'ready', ''],
  ['readyExpr false', [at('a1', { readyExpr: `self.status.release.status == 'Degraded'`, self: { status: { release: { status: 'Healthy' } } } })], 'waiting', 'its readyExpr is false'],
  ['readyExpr that does not compile: waiting, naming it', [at('a1', { readyExpr: 'self.(', self: {} })], 'waiting', 'readyExpr:'],
  ['readyExpr over a missing field: waiting', [at('a1', { readyExpr: 'self.status.nothing == 1', self: { status: {} } })], 'waiting', 'readyExpr:'],
  ['readyExpr with matches(): refused, waiting', [at('a1', { readyExpr: `self.metadata.name.matches('(a+)+$')`, self: { metadata: { name: 'db' } } })], 'waiting', 'matches() is not allowed'],
  ['one of two not ready names only that one', [at('a1'), { key: 'team/cache', release: { status: 'Syncing', revision: 'c3', appliedRevision: undefined, failedRevision: undefined } }], 'waiting', 'waiting for team/cache (its release is Syncing'],
];

for (const [what, dependencies, kind, message] of rows) {
  test(`dependencies: ${what} → ${kind}`, () => {
    const verdict = dependencyVerdict(undefined, dependencies);
    assert.equal(verdict.kind, kind, verdict.message);
    assert.ok(verdict.message.includes(message), verdict.message);
  });
}

test('a cycle is refused with the cycle named, whatever the dependencies say', () => {
  const verdict = dependencyVerdict(['team/a', 'team/b', 'team/a'], [at('a1')]);
  assert.deepEqual(verdict, { kind: 'cycle', message: 'dependency cycle: team/a -> team/b -> team/a; nothing is synced until spec.dependsOn breaks it' });
});
