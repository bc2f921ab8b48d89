import assert from 'node:assert/strict';
import { test } from 'node:test';
import { untrustedCelProblems } from './cel-limits.ts';

// [expression, accepted]
const rows: [string, boolean][] = [
  [`self.status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')`, true],
  [`self.status.conditions.filter(c, c.type == 'Ready').map(c, c.message)`, true],
  [`self.status.a.exists(x, true) && self.status.b.all(y, true)`, true],
  [`has(self.status.phase) && self.status.phase == 'Ready'`, true],
  [`self.spec.list.all(a, self.spec.list.all(b, a == b))`, false],
  [`self.spec.list.map(a, self.spec.list.filter(b, b == a))`, false],
  [`self.status.message.matches('(a+)+$')`, false],
  [`matches(self.status.message, '(a+)+$')`, false],
  [`self.status.(`, true],
];

for (const [expression, accepted] of rows) {
  test(`${accepted ? 'accepts' : 'refuses'} ${expression}`, () => {
    assert.equal(untrustedCelProblems(expression).length === 0, accepted, untrustedCelProblems(expression).join('; '));
  });
}
