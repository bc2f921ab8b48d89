import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import { parseYamlDocuments } from './kube-yaml.ts';

const values = (text: string): unknown[] => parseYamlDocuments(text, 'f.yaml').map((document) => document.value);
const one = (text: string): unknown => values(text)[0];

describe('reading YAML as kubectl does', () => {
  it('reads YAML 1.1 booleans where js-yaml alone reads strings', () => {
    assert.equal((load('a: yes') as { a: unknown }).a, 'yes');
    assert.deepEqual(one('a: [yes, on, y, No, OFF, n, "yes"]'), { a: [true, true, true, false, false, false, 'yes'] });
  });

  it('reads numbers the way go-yaml v2 does', () => {
    assert.deepEqual(one('[0644, 0o17, 0x1F, 0b11, 1_000, 08, +5, -0, 1e3, .5, 1:30, 1e400]'),
      [420, 15, 31, 3, 1000, 8, 5, 0, 1000, 0.5, '1:30', '1e400']);
  });

  it('keeps timestamps as the string written', () => {
    assert.deepEqual(one('d: 2001-12-14\nt: 2001-12-14T21:59:43.10-05:00'), { d: '2001-12-14', t: '2001-12-14T21:59:43.10-05:00' });
  });

  it('merges << keys, with explicit keys winning', () => {
    assert.deepEqual(one('base: &b {p: 1, q: 2}\nobj:\n  <<: *b\n  q: 3'), { base: { p: 1, q: 2 }, obj: { p: 1, q: 3 } });
    // `y` is a YAML 1.1 boolean, as a key too: kubectl turns it into "true".
    assert.deepEqual(one('y: 1'), { true: 1 });
  });

  it('turns non-string keys into strings and lets a duplicate key win', () => {
    assert.deepEqual(one('on: 1\n010: 2\nk: a\nk: b'), { true: 1, '8': 2, k: 'b' });
  });

  it('skips empty and comment-only documents and reports where each document starts', () => {
    const documents = parseYamlDocuments('# c\n---\n---\na: 1\n---\n# only\n---\n\nb: 2\n', 'f.yaml');
    assert.deepEqual(documents, [{ value: { a: 1 }, line: 4 }, { value: { b: 2 }, line: 9 }]);
  });

  it('reads a byte-order mark and CRLF line ends', () => {
    assert.deepEqual(one('\uFEFFa: |\r\n  x\r\n  y\r\nb: 1\r\n'), { a: 'x\ny\n', b: 1 });
  });

  it('copies aliased nodes, so changing one place does not change another', () => {
    const value = one('a: &x {k: 1}\nb: *x') as { a: { k: number }; b: { k: number } };
    value.a.k = 2;
    assert.equal(value.b.k, 1);
  });

  it('rejects explicit infinities, with the line', () => {
    assert.throws(() => values('a: 1\nb: !!float .inf\n'), /f\.yaml:2: \.inf is not a number JSON can hold/);
    assert.throws(() => values('a: 1\nb: -.Inf\n'), /f\.yaml:2: -\.Inf is not a number JSON can hold/);
  });
});
