import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../objects.ts';
import { readConsistently, type Reading } from './live-objects.ts';

const at = (resourceVersion: string | undefined): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop', ...(resourceVersion === undefined ? {} : { resourceVersion }) },
});
const reading = (predicted: string | undefined, live: string | undefined): Reading<string> => ({ predicted: at(predicted), live: live === undefined ? undefined : at(live) });
const versionsOf = (result: Reading<string>): string => ('failure' in result ? `failed: ${result.failure}` : `${result.predicted.metadata.resourceVersion ?? '-'}/${result.live?.metadata.resourceVersion ?? '-'}`);

describe('readConsistently', () => {
  const cases: { what: string; first: Reading<string>; later: Reading<string>[]; retries: number; expected: string; reads: number }[] = [
    { what: 'keeps a first reading of one version', first: reading('5', '5'), later: [], retries: 3, expected: '5/5', reads: 0 },
    { what: 'reads again until both saw one version', first: reading('6', '5'), later: [reading('7', '6'), reading('7', '7')], retries: 3, expected: '7/7', reads: 2 },
    { what: 'stops after the retries it is allowed', first: reading('6', '5'), later: [reading('7', '6'), reading('8', '7')], retries: 2, expected: '8/7', reads: 2 },
    { what: 'reads nothing again with no retries allowed', first: reading('6', '5'), later: [reading('6', '6')], retries: 0, expected: '6/5', reads: 0 },
    { what: 'ends at a failed dry run', first: reading('6', '5'), later: [{ failure: 'Invalid', live: at('6') }, reading('6', '6')], retries: 3, expected: 'failed: Invalid', reads: 1 },
    { what: 'takes a missing object and a prediction of a create as one version', first: reading(undefined, undefined), later: [], retries: 3, expected: '-/-', reads: 0 },
    { what: 'reads again when the object was deleted after its dry run', first: reading('5', undefined), later: [reading(undefined, undefined)], retries: 3, expected: '-/-', reads: 1 },
  ];
  for (const { what, first, later, retries, expected, reads } of cases) {
    it(what, async () => {
      const queue = [...later];
      let count = 0;
      const result = await readConsistently(first, () => {
        count += 1;
        return Promise.resolve(queue.shift() ?? assert.fail('read once too often'));
      }, retries);
      assert.equal(versionsOf(result), expected);
      assert.equal(count, reads);
    });
  }

  it('hands the reading to improve to readAgain, so a caller may repeat only the read', async () => {
    const seen: string[] = [];
    await readConsistently(reading('6', '5'), (previous) => {
      seen.push(versionsOf(previous));
      return Promise.resolve({ predicted: previous.predicted, live: at('6') });
    }, 3);
    assert.deepEqual(seen, ['6/5']);
  });
});
