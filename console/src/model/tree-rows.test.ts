import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { visibleRows, windowOf, type TreeNode } from './tree-rows.ts';

const leaf = (id: string): TreeNode<string> => ({ id, item: id, children: [] });
const tree: TreeNode<string>[] = [
  { id: 'ns', item: 'ns', children: [{ id: 'deploy', item: 'deploy', children: [leaf('rs'), leaf('rs2')] }, leaf('cm')] },
  leaf('other'),
];

describe('tree rows', () => {
  it('shows only the roots when nothing is expanded', () => {
    assert.deepEqual(visibleRows(tree, new Set()).map((row) => row.node.id), ['ns', 'other']);
  });

  it('shows the children of expanded nodes, depth first, with their depth', () => {
    const rows = visibleRows(tree, new Set(['ns', 'deploy']));
    assert.deepEqual(rows.map((row) => `${row.node.id}@${row.depth}`), ['ns@0', 'deploy@1', 'rs@2', 'rs2@2', 'cm@1', 'other@0']);
    assert.equal(rows[0]?.hasChildren, true);
    assert.equal(rows[4]?.hasChildren, false);
  });

  it('keeps a collapsed node collapsed even when its children are expanded', () => {
    assert.deepEqual(visibleRows(tree, new Set(['deploy'])).map((row) => row.node.id), ['ns', 'other']);
  });

  it('handles 100,000 children without recursion', () => {
    const big: TreeNode<string>[] = [{ id: 'g', item: 'g', children: Array.from({ length: 100_000 }, (_, index) => leaf(`p${String(index)}`)) }];
    assert.equal(visibleRows(big, new Set(['g'])).length, 100_001);
  });
});

describe('the window of a virtualised list', () => {
  it('draws the rows in view and a few either side', () => {
    assert.deepEqual(windowOf(10_000, 20, 2_000, 400, 5), { start: 95, end: 125 });
  });
  it('stays inside the list at both ends', () => {
    assert.deepEqual(windowOf(10, 20, 0, 400, 5), { start: 0, end: 10 });
    assert.deepEqual(windowOf(100, 20, 99_999, 400, 5), { start: 94, end: 100 });
    assert.deepEqual(windowOf(0, 20, 0, 400), { start: 0, end: 0 });
  });
});
