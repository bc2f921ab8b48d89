import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../objects.ts';
import { observeRollout } from './release-observe.ts';
import { FakeCluster } from './testing/fake-cluster.ts';
import { checkDrift } from './drift-check.ts';
import { completedWithSpec, hasFinishedTtl, jobOutcomeOfEvents, jobSpecHash, nextCompletedJobs, type CompletedJob } from './completed-jobs.ts';

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

  const event = (reason: string, time: string | undefined, message = 'm'): { uid: string; reason: string; message: string; time: string | undefined } => ({ uid: 'u', reason, message, time });
  const outcomes: [string, Parameters<typeof jobOutcomeOfEvents>[0], string | undefined][] = [
    ['no Events: Missing', [], undefined],
    ['only pod Events: Missing', [event('SuccessfulCreate', '2026-01-01T00:00:00Z')], undefined],
    ['Completed: Healthy', [event('SuccessfulCreate', '2026-01-01T00:00:00Z'), event('Completed', '2026-01-01T00:00:01Z', 'Job completed')], 'Healthy'],
    ['BackoffLimitExceeded: Degraded', [event('BackoffLimitExceeded', '2026-01-01T00:00:01Z', 'Job has reached the specified backoff limit')], 'Degraded'],
    ['DeadlineExceeded: Degraded', [event('DeadlineExceeded', '2026-01-01T00:00:01Z')], 'Degraded'],
    ['an older failure, then a completion: Healthy', [event('Completed', '2026-01-01T00:05:00Z'), event('BackoffLimitExceeded', '2026-01-01T00:00:01Z')], 'Healthy'],
    ['an older completion, then a failure: Degraded', [event('Completed', '2026-01-01T00:00:01Z'), event('BackoffLimitExceeded', '2026-01-01T00:05:00Z')], 'Degraded'],
    ['an Event without a time never outweighs a timed one', [event('BackoffLimitExceeded', undefined), event('Completed', '2026-01-01T00:00:01Z')], 'Healthy'],
  ];
  for (const [name, events, status] of outcomes) {
    it(`tells a gone Job's outcome from its Events: ${name}`, () => {
      assert.equal(jobOutcomeOfEvents(events)?.status, status);
    });
  }

  it('gives a failed Job the reason and message of its Event', () => {
    assert.deepEqual(jobOutcomeOfEvents([event('BackoffLimitExceeded', 't', 'Job has reached the specified backoff limit')]),
      { status: 'Degraded', message: 'BackoffLimitExceeded: Job has reached the specified backoff limit' });
  });

  it('knows a Job with a TTL', () => {
    assert.equal(hasFinishedTtl(job('m:1')), true);
    assert.equal(hasFinishedTtl(job('m:1', { ttlSecondsAfterFinished: undefined })), false);
    assert.equal(hasFinishedTtl({ ...job('m:1'), kind: 'CronJob' }), false);
  });

  const ref = { group: 'batch', version: 'v1', kind: 'Job', namespace: 'shop', name: 'migrate' };
  it('the rollout check reads a gone Job by its Events: Healthy when it completed, Degraded when it failed, Missing otherwise', async () => {
    const cluster = new FakeCluster();
    assert.equal((await observeRollout(cluster, [ref], 1))[0]?.health.status, 'Missing');
    cluster.recordEvent(ref, event('Completed', '2026-01-01T00:00:01Z'));
    assert.equal((await observeRollout(cluster, [ref], 1))[0]?.health.status, 'Healthy');
    cluster.recordEvent(ref, event('BackoffLimitExceeded', '2026-01-01T00:09:00Z'));
    assert.equal((await observeRollout(cluster, [ref], 1))[0]?.health.status, 'Degraded');
    const other = { ...ref, kind: 'ConfigMap', group: '', name: 'migrate' };
    cluster.recordEvent(other, event('Completed', '2026-01-01T00:00:01Z'));
    assert.equal((await observeRollout(cluster, [other], 1))[0]?.health.status, 'Missing', 'only a Job is judged by its Events');
  });

  it('the drift check counts a gone Job with a TTL Synced when its Events say it completed, and Missing without a TTL', async () => {
    const cluster = new FakeCluster([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }]);
    assert.equal((await checkDrift(cluster, [job('m:1')])).objects[0]?.status, 'Missing');
    cluster.recordEvent(ref, event('Completed', '2026-01-01T00:00:01Z'));
    assert.equal((await checkDrift(cluster, [job('m:1')])).objects[0]?.status, 'Synced');
    assert.equal((await checkDrift(cluster, [job('m:1', { ttlSecondsAfterFinished: undefined })])).objects[0]?.status, 'Missing', 'a Job without a TTL is not deleted by one');
    cluster.recordEvent(ref, event('BackoffLimitExceeded', '2026-01-01T00:09:00Z'));
    assert.equal((await checkDrift(cluster, [job('m:1')])).objects[0]?.status, 'Missing', 'a failed Job is not in sync');
  });
});
