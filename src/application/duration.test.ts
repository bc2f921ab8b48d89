import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, isDuration, parseDuration } from './duration.ts';

describe('Application durations', () => {
  it('reads Go-style durations', () => {
    const cases: [string, number][] = [['500ms', 500], ['5s', 5_000], ['3m', 180_000], ['1h30m', 5_400_000], ['1.5h', 5_400_000], ['2m0.5s', 120_500]];
    for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  });

  it('rejects what CEL duration() would not read', () => {
    for (const text of ['', '3', '3 m', '-5s', '1d', 'm', '1.s', '5S']) {
      assert.equal(isDuration(text), false, text);
      assert.throws(() => parseDuration(text), (error: unknown) => error instanceof SyntaxError && error.message.includes(`"${text}"`));
    }
  });

  it('formats milliseconds back into the shortest duration that reads the same', () => {
    for (const ms of [0, 500, 5_000, 90_000, 180_000, 5_400_500]) {
      const text = formatDuration(ms);
      assert.equal(parseDuration(text), ms, text);
    }
    assert.equal(formatDuration(90_000), '1m30s');
  });
});
