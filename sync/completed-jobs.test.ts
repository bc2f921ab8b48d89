import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../objects.ts';
import { completedWithSpec, jobSpecHash, nextCompletedJobs, type CompletedJob } from './completed-jobs.ts';

const job = (image: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'shop' },
  spec: { ttlSecondsAfterFinished: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image }] } }, ...spec },
});
const done = (image: string): CompletedJob => ({ namespace: 'shop', name: 'migrate', revision: 'A', specHash: jobSpecHash(job(image)) });

describe('completed Jobs', () => {
  it('hashes a spec alike whatever its key order, and another spec differently', () => {
    const reordered: KubeObject = { ...job('m:1'), spec: { template: { spec: { containers: [{ image: 'm:1', name: 'migrate' }], restartPolicy: 'Never' } }, ttlSecondsAfterFinished: 0 } };
    assert.equal(jobSpecHash(reordered), jobSpecHash(job('m:1')));
    assert.notEqual(jobSpecHash(job('m:2')), jobSpecHash(job('m:1')));
  });

  it('covers only a Job of the same name, namespace and spec', () => {
    assert.equal(completedWithSpec(job('m:1'), 'shop', [done('m:1')]), true);
    assert.equal(completedWithSpec(job('m:2'), 'shop', [done('m:1')]), false, 'another spec runs again');
    assert.equal(completedWithSpec(job('m:1'), 'other', [done('m:1')]), false);
    assert.equal(completedWithSpec({ ...job('m:1'), kind: 'CronJob' }, 'shop', [done('m:1')]), false, 'only Jobs');
    assert.equal(completedWithSpec(job('m:1'), 'shop', undefined), false);
  });

  it('remembers a Job seen complete, keeps it while its spec is desired, and forgets it when the spec changes', () => {
    const hash1 = jobSpecHash(job('m:1'));
    const seen = nextCompletedJobs(undefined, [{ namespace: 'shop', name: 'migrate', specHash: hash1, complete: true }], 'A');
    assert.deepEqual(seen, [{ namespace: 'shop', name: 'migrate', revision: 'A', specHash: hash1 }]);
    assert.equal(nextCompletedJobs(seen, [{ namespace: 'shop', name: 'migrate', specHash: hash1, complete: false }], 'B'), undefined, 'gone since, same spec: nothing to write');
    assert.deepEqual(nextCompletedJobs(seen, [{ namespace: 'shop', name: 'migrate', specHash: jobSpecHash(job('m:2')), complete: false }], 'C'), [], 'a new spec is not covered');
    assert.deepEqual(nextCompletedJobs(seen, [], 'D'), [], 'a Job no longer desired is forgotten');
    assert.equal(nextCompletedJobs(undefined, [{ namespace: 'shop', name: 'migrate', specHash: hash1, complete: false }], 'A'), undefined, 'not complete yet');
  });
});
