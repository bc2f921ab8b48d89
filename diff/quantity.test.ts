import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuantity, quantitiesEqual } from './quantity.ts';

describe('resource quantities', () => {
  for (const [a, b] of [['1000m', '1'], ['0.5', '500m'], [0.5, '500m'], ['1024Mi', '1Gi'], ['1e3', '1k'], ['1.5Gi', '1536Mi'], ['100M', '1e8']] as const) {
    it(`treats ${a} and ${b} as equal`, () => { assert.ok(quantitiesEqual(a, b)); });
  }
  for (const [a, b] of [['1', '2'], ['1Gi', '1G'], ['500m', '0.05'], ['1E', '1Ei']] as const) {
    it(`tells ${a} from ${b}`, () => { assert.ok(!quantitiesEqual(a, b)); });
  }
  it('does not read other strings as quantities', () => {
    assert.equal(parseQuantity('nginx'), undefined);
    assert.equal(parseQuantity('1e99999'), undefined);
    assert.ok(!quantitiesEqual('abc', 'abc'));
  });
});
