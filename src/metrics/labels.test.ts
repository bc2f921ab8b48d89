import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxLabelLength, safeLabel, tokenLabel, withoutCredentials } from './labels.ts';

describe('metric label values', () => {
  it('strips user-info from every URL in a value, whatever the scheme', () => {
    assert.equal(withoutCredentials('https://user:pa55@git.example.com/a.git'), 'https://git.example.com/a.git');
    assert.equal(withoutCredentials('HTTP://token@host/x and ssh://git:key@host2/y'), 'HTTP://host/x and ssh://host2/y');
    assert.equal(withoutCredentials('https://git.example.com/a@b'), 'https://git.example.com/a@b');
    assert.equal(withoutCredentials('3f2c9a'), '3f2c9a');
  });

  it('falls back for missing values and bounds the length', () => {
    assert.equal(safeLabel(undefined), 'unknown');
    assert.equal(safeLabel('', 'Unknown'), 'Unknown');
    assert.equal(safeLabel('x'.repeat(500)).length, maxLabelLength);
    assert.equal(safeLabel('a'.repeat(64)), 'a'.repeat(64));
  });

  it('keeps tokens from a small alphabet and folds anything else into "other"', () => {
    assert.equal(tokenLabel('Accepted'), 'accepted');
    assert.equal(tokenLabel('bad_signature'), 'bad_signature');
    assert.equal(tokenLabel('rate-limited'), 'rate-limited');
    assert.equal(tokenLabel(''), 'other');
    assert.equal(tokenLabel('https://u:p@h'), 'other');
    assert.equal(tokenLabel('x'.repeat(33)), 'other');
  });
});
