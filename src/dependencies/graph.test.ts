import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dependencyKeys, findCycle } from './graph.ts';

// [what, edges, start, expected cycle or undefined]
const rows: [string, Record<string, string[]>, string, string[] | undefined][] = [
  ['no dependencies', { 'a/x': [] }, 'a/x', undefined],
  ['a chain', { 'a/c': ['a/b'], 'a/b': ['a/a'], 'a/a': [] }, 'a/c', undefined],
  ['itself', { 'a/x': ['a/x'] }, 'a/x', ['a/x', 'a/x']],
  ['two', { 'a/x': ['a/y'], 'a/y': ['a/x'] }, 'a/x', ['a/x', 'a/y', 'a/x']],
  ['three, across namespaces', { 'a/x': ['b/y'], 'b/y': ['c/z'], 'c/z': ['a/x'] }, 'a/x', ['a/x', 'b/y', 'c/z', 'a/x']],
  ['a cycle it only waits on is not its own', { 'a/x': ['a/y'], 'a/y': ['a/z'], 'a/z': ['a/y'] }, 'a/x', undefined],
  ['an unknown dependency is a dead end', { 'a/x': ['a/gone'] }, 'a/x', undefined],
  ['a diamond is not a cycle', { 'a/top': ['a/l', 'a/r'], 'a/l': ['a/base'], 'a/r': ['a/base'], 'a/base': [] }, 'a/top', undefined],
  ['found past a diamond', { 'a/top': ['a/l', 'a/r'], 'a/l': ['a/base'], 'a/r': ['a/base'], 'a/base': ['a/top'] }, 'a/top', ['a/top', 'a/l', 'a/base', 'a/top']],
];

for (const [what, edges, start, expected] of rows) {
  test(`findCycle: ${what}`, () => {
    assert.deepEqual(findCycle(start, (key) => edges[key]), expected);
  });
}

test('a dependency without a namespace is in the Application\'s own', () => {
  assert.deepEqual(dependencyKeys('team-a', [{ name: 'db' }, { name: 'crds', namespace: 'platform' }]), ['team-a/db', 'platform/crds']);
});
