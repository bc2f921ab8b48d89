import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUnifiedDiff, sideBySide } from './unified-diff.ts';

const diff = [
  '--- live Deployment/shop/web',
  '+++ predicted Deployment/shop/web',
  '@@ -3,4 +3,4 @@',
  ' spec:',
  '-  replicas: 3',
  '-  paused: true',
  '+  replicas: 2',
  '   selector: {}',
  '',
].join('\n');

describe('unified diff rows', () => {
  it('numbers old and new lines from the hunk header', () => {
    const rows = parseUnifiedDiff(diff);
    assert.deepEqual(rows.map((row) => [row.kind, row.oldNo, row.newNo]), [
      ['file', undefined, undefined], ['file', undefined, undefined], ['hunk', undefined, undefined],
      ['context', 3, 3], ['del', 4, undefined], ['del', 5, undefined], ['add', undefined, 4], ['context', 6, 5],
    ]);
    assert.equal(rows[4]?.text, '  replicas: 3');
  });

  it('pairs removed with added lines side by side, and leaves the longer run alone', () => {
    const rows = sideBySide(parseUnifiedDiff(diff)).filter((row) => row.kind === 'pair');
    assert.deepEqual(rows.map((row) => [row.left?.text, row.right?.text]), [
      ['spec:', 'spec:'], ['  replicas: 3', '  replicas: 2'], ['  paused: true', undefined], ['  selector: {}', '  selector: {}'],
    ]);
  });

  it('keeps a line that is not part of a hunk as a note, never as code', () => {
    const rows = parseUnifiedDiff('... diff truncated (90000 characters in all)\n');
    assert.deepEqual(rows, [{ kind: 'note', text: '... diff truncated (90000 characters in all)' }]);
  });
});
