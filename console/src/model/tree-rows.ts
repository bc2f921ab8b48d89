/**
 * A tree as the flat list of rows a virtualised view draws: only the children
 * of expanded nodes appear, each row knows its depth, and a group's row says
 * how many objects it holds and how many of them are not well, so a collapsed
 * group of 5,000 Pods is one row that still shows its trouble. Pure.
 */

export interface TreeNode<T> {
  id: string;
  item: T;
  children: TreeNode<T>[];
}

export interface TreeRow<T> {
  node: TreeNode<T>;
  depth: number;
  expanded: boolean;
  hasChildren: boolean;
}

/** The visible rows, depth first, children of collapsed nodes left out. */
export function visibleRows<T>(roots: readonly TreeNode<T>[], expanded: ReadonlySet<string>): TreeRow<T>[] {
  const rows: TreeRow<T>[] = [];
  // Iterative, so a deep or huge tree cannot overflow the stack.
  const stack: { node: TreeNode<T>; depth: number }[] = roots.map((node) => ({ node, depth: 0 })).reverse();
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { node, depth } = next;
    const open = expanded.has(node.id);
    rows.push({ node, depth, expanded: open, hasChildren: node.children.length > 0 });
    if (open) for (let index = node.children.length - 1; index >= 0; index--) stack.push({ node: node.children[index] as TreeNode<T>, depth: depth + 1 });
  }
  return rows;
}

/** The slice of rows a viewport of `height` pixels scrolled to `scrollTop` shows, with `overscan` rows either side. */
export function windowOf(count: number, rowHeight: number, scrollTop: number, height: number, overscan = 8): { start: number; end: number } {
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.min(count - 1, Math.floor(Math.max(0, scrollTop) / rowHeight));
  const shown = Math.ceil(Math.max(height, rowHeight) / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + shown + overscan);
  return { start, end };
}
