import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventFor } from './status-sink.ts';

describe('the Kubernetes Event of a release event', () => {
  const rows = [
    { event: { type: 'RenderFailed', revision: 'abc', message: 'render of abc failed: apps/web: bad.yaml:4: deficient indentation' } as const,
      message: 'render of abc failed: apps/web: bad.yaml:4: deficient indentation', why: 'the release step named the revision already' },
    { event: { type: 'RenderFailed', revision: 'abc', message: 'apps/web: bad.yaml:4: deficient indentation' } as const,
      message: 'render of abc failed: apps/web: bad.yaml:4: deficient indentation', why: 'a bare cause gets the revision' },
    { event: { type: 'SyncFailed', revision: 'abc', message: 'sync of abc failed: Deployment/shop/web: apply failed: invalid' } as const,
      message: 'sync of abc failed: Deployment/shop/web: apply failed: invalid', why: 'not said twice' },
    { event: { type: 'RolloutFailed', revision: 'abc', message: 'ProgressDeadlineExceeded: 0 of 1 replicas available' } as const,
      message: 'rollout of abc failed: ProgressDeadlineExceeded: 0 of 1 replicas available', why: 'a bare cause gets the revision' },
  ];
  for (const row of rows) {
    it(`${row.event.type}: ${row.why}`, () => {
      assert.equal(eventFor(row.event)?.message, row.message);
    });
  }
});
