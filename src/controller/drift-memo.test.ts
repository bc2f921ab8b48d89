import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApplicationDiff } from '../../diff/index.ts';
import { createDriftMemo } from './drift-memo.ts';

const ref = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
const live = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } };

function diffOf(status: 'Synced' | 'OutOfSync'): ApplicationDiff {
  return {
    status,
    objects: [{ ref, status, mode: 'server-side-dry-run', patch: [], diff: '', live, predicted: live }],
    counts: { Synced: status === 'Synced' ? 1 : 0, OutOfSync: status === 'OutOfSync' ? 1 : 0, Missing: 0, Extraneous: 0 },
  };
}

const spec = { source: { repoURL: 'https://git.example.com/deploy.git', path: 'apps/web' } };
const at = (seconds: number): Date => new Date(Date.UTC(2026, 0, 1) + seconds * 1000);

describe('the drift memo of poll ticks', () => {
  it('gives back a Synced check for the same commit and spec, without the objects', () => {
    const memo = createDriftMemo(600_000);
    memo.remember('berth/web', 'c1', spec, diffOf('Synced'), at(0));
    const recalled = memo.recall('berth/web', 'c1', structuredClone(spec), at(170));
    assert.equal(recalled?.status, 'Synced');
    assert.deepEqual(recalled.objects.map((object) => [object.ref.name, object.status]), [['web', 'Synced']]);
    assert.equal(recalled.objects[0]?.live, undefined, 'live objects are not kept');
  });

  it('asks for a full check when the commit, the spec or the Application differs', () => {
    const memo = createDriftMemo(600_000);
    memo.remember('berth/web', 'c1', spec, diffOf('Synced'), at(0));
    assert.equal(memo.recall('berth/web', 'c2', spec, at(10)), undefined);
    assert.equal(memo.recall('berth/web', 'c1', { ...spec, source: { ...spec.source, path: 'apps/other' } }, at(10)), undefined);
    assert.equal(memo.recall('berth/api', 'c1', spec, at(10)), undefined);
  });

  it('asks for a full check once the last one is older than the interval', () => {
    const memo = createDriftMemo(600_000);
    memo.remember('berth/web', 'c1', spec, diffOf('Synced'), at(0));
    assert.ok(memo.recall('berth/web', 'c1', spec, at(599)));
    assert.equal(memo.recall('berth/web', 'c1', spec, at(600)), undefined);
  });

  it('never reuses a check that found drift, and forgets on request', () => {
    const memo = createDriftMemo(600_000);
    memo.remember('berth/web', 'c1', spec, diffOf('Synced'), at(0));
    memo.remember('berth/web', 'c1', spec, diffOf('OutOfSync'), at(1));
    assert.equal(memo.recall('berth/web', 'c1', spec, at(2)), undefined);
    memo.remember('berth/web', 'c1', spec, diffOf('Synced'), at(3));
    memo.forget('berth/web');
    assert.equal(memo.recall('berth/web', 'c1', spec, at(4)), undefined);
  });
});
