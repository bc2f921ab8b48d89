import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RetryPolicy } from '../../sync/retry-policy.ts';
import { isTransientApiError, retryTransient } from './transient-errors.ts';

const withStatus = (status: number): Error => Object.assign(new Error(`HTTP ${status}`), { status });
const withCode = (code: string): Error => Object.assign(new Error(code), { code });
const policy: RetryPolicy = { limit: 3, backoffMs: 10, factor: 2, maxBackoffMs: 1_000, jitter: 0 };

describe('transient API server errors', () => {
  const rows: [string, unknown, boolean][] = [
    ['429 Too Many Requests', withStatus(429), true],
    ['503 Service Unavailable', withStatus(503), true],
    ['500 Internal Server Error', withStatus(500), true],
    ['a refused connection', withCode('ECONNREFUSED'), true],
    ['a reset connection', withCode('ECONNRESET'), true],
    ['a 429 wrapped as the cause of another error', new Error('cannot reach the Kubernetes API', { cause: withStatus(429) }), true],
    ['401 Unauthorized', withStatus(401), false],
    ['403 Forbidden', withStatus(403), false],
    ['404 Not Found (no CRD)', withStatus(404), false],
    ['an error with neither status nor code', new Error('kubeconfig has no current cluster'), false],
  ];
  for (const [name, error, transient] of rows) {
    it(`${name} is ${transient ? '' : 'not '}transient`, () => {
      assert.equal(isTransientApiError(error), transient);
    });
  }
});

describe('retryTransient', () => {
  it('asks again after a transient failure, waiting as the policy says', async () => {
    const waits: number[] = [];
    let calls = 0;
    const answer = await retryTransient(() => {
      calls += 1;
      return calls < 3 ? Promise.reject(withStatus(429)) : Promise.resolve('listed');
    }, { policy, sleep: (ms) => { waits.push(ms); return Promise.resolve(); } });
    assert.equal(answer, 'listed');
    assert.deepEqual(waits, [10, 20]);
  });

  it('throws the last error once the policy\'s attempts are used up', async () => {
    let calls = 0;
    await assert.rejects(retryTransient(() => { calls += 1; return Promise.reject(withStatus(503)); }, { policy, sleep: () => Promise.resolve() }), /HTTP 503/);
    assert.equal(calls, 3);
  });

  it('fails at once for what a retry cannot fix', async () => {
    let calls = 0;
    await assert.rejects(retryTransient(() => { calls += 1; return Promise.reject(withStatus(403)); }, { policy, sleep: () => Promise.resolve() }), /HTTP 403/);
    assert.equal(calls, 1);
  });
});
