import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyKubeStatus, clusterErrorReasonOf } from './cluster.ts';
import { ClusterError, isRetryable, TransientSyncError, UnrecoverableSyncError } from './errors.ts';

describe('cluster error classification', () => {
  const rows: [string, Parameters<typeof classifyKubeStatus>[0], string][] = [
    ['no answer at all', {}, 'Transient'],
    ['404 NotFound', { code: 404, reason: 'NotFound', message: 'deployments.apps "web" not found' }, 'NotFound'],
    ['409 field manager conflict', { code: 409, reason: 'Conflict', message: 'Apply failed with 1 conflict' }, 'Conflict'],
    ['409 AlreadyExists', { code: 409, reason: 'AlreadyExists' }, 'Conflict'],
    ['403 Forbidden', { code: 403, reason: 'Forbidden' }, 'Forbidden'],
    ['422 Invalid', { code: 422, reason: 'Invalid', message: 'spec.replicas: Invalid value: -1' }, 'Invalid'],
    ['422 immutable Job template', { code: 422, reason: 'Invalid', message: 'Job.batch "m" is invalid: spec.template: Invalid value: ...: field is immutable' }, 'Immutable'],
    ['422 Service clusterIP', { code: 422, reason: 'Invalid', message: 'spec.clusterIPs[0]: Invalid value: []string{"10.0.0.2"}: may not change once set' }, 'Immutable'],
    ['422 StatefulSet forbidden update', { code: 422, reason: 'Invalid', message: "spec: Forbidden: updates to statefulset spec for fields other than 'replicas' are forbidden" }, 'Immutable'],
    ['429 throttled', { code: 429, reason: 'TooManyRequests' }, 'Transient'],
    ['500 with a timeout reason', { code: 500, reason: 'ServerTimeout' }, 'Transient'],
    ['503', { code: 503 }, 'Transient'],
    ['400 BadRequest', { code: 400, reason: 'BadRequest', message: 'json: cannot unmarshal' }, 'Invalid'],
  ];
  for (const [name, status, expected] of rows) {
    it(`classifies ${name} as ${expected}`, () => { assert.equal(classifyKubeStatus(status), expected); });
  }

  it('reads the reason of a ClusterError and calls anything else Unknown', () => {
    assert.equal(clusterErrorReasonOf(new ClusterError('Forbidden', 'no')), 'Forbidden');
    assert.equal(clusterErrorReasonOf(new Error('boom')), 'Unknown');
  });

  it('tells retryable errors from dead ends, and names each class', () => {
    const unrecoverable = new UnrecoverableSyncError('InvalidManifests', ['ConfigMap/a/b: kind is missing']);
    assert.equal(unrecoverable.name, 'UnrecoverableSyncError');
    assert.equal(unrecoverable.message, 'ConfigMap/a/b: kind is missing');
    assert.equal(isRetryable(unrecoverable), false);
    assert.equal(isRetryable(new ClusterError('Invalid', 'bad')), false);
    assert.equal(isRetryable(new ClusterError('Transient', 'timeout')), true);
    const transient = new TransientSyncError('cluster unreachable', { cause: new Error('ECONNREFUSED') });
    assert.equal(transient.name, 'TransientSyncError');
    assert.equal(isRetryable(transient), true);
    assert.ok(transient.cause instanceof Error);
  });
});
