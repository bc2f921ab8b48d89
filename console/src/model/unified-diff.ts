/**
 * A unified diff (as the API sends it, Secret values already masked) as rows
 * to draw: unified, one row per line with both line numbers, or side by side,
 * where each run of removed lines is paired with the run of added lines after
 * it. Pure: no DOM, unit-tested beside.
 */

export type DiffLineKind = 'file' | 'hunk' | 'context' | 'add' | 'del' | 'note';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
  oldNo?: number;
  newNo?: number;
}

export interface SideBySideRow {
  kind: 'file' | 'hunk' | 'note' | 'pair';
  text?: string;
  left?: DiffLine;
  right?: DiffLine;
}

const hunkHeader = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function parseUnifiedDiff(diff: string): DiffLine[] {
  const lines = diff.endsWith('\n') ? diff.slice(0, -1).split('\n') : diff.split('\n');
  const rows: DiffLine[] = [];
  let oldNo = 0;
  let newNo = 0;
  let inHunk = false;
  for (const line of lines) {
    const hunk = hunkHeader.exec(line);
    if (hunk) {
      oldNo = Number(hunk[1]);
      newNo = Number(hunk[2]);
      inHunk = true;
      rows.push({ kind: 'hunk', text: line });
    } else if (!inHunk && (line.startsWith('--- ') || line.startsWith('+++ ') || line.startsWith('Index: ') || line.startsWith('===='))) {
      rows.push({ kind: 'file', text: line });
    } else if (line.startsWith('+++ ') || line.startsWith('--- ')) {
      // The header of the next object's diff.
      inHunk = false;
      rows.push({ kind: 'file', text: line });
    } else if (inHunk && line.startsWith('+')) {
      rows.push({ kind: 'add', text: line.slice(1), newNo: newNo++ });
    } else if (inHunk && line.startsWith('-')) {
      rows.push({ kind: 'del', text: line.slice(1), oldNo: oldNo++ });
    } else if (inHunk && line.startsWith(' ')) {
      rows.push({ kind: 'context', text: line.slice(1), oldNo: oldNo++, newNo: newNo++ });
    } else {
      rows.push({ kind: 'note', text: line });
    }
  }
  return rows;
}

/** The rows side by side: context on both sides, removed lines left, added lines right. */
export function sideBySide(lines: readonly DiffLine[]): SideBySideRow[] {
  const rows: SideBySideRow[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index];
    if (!line) break;
    if (line.kind === 'del' || line.kind === 'add') {
      const removed: DiffLine[] = [];
      const added: DiffLine[] = [];
      while (lines[index]?.kind === 'del') removed.push(lines[index++] as DiffLine);
      while (lines[index]?.kind === 'add') added.push(lines[index++] as DiffLine);
      for (let at = 0; at < Math.max(removed.length, added.length); at++) {
        const left = removed[at];
        const right = added[at];
        rows.push({ kind: 'pair', ...(left ? { left } : {}), ...(right ? { right } : {}) });
      }
      continue;
    }
    if (line.kind === 'context') rows.push({ kind: 'pair', left: line, right: line });
    else rows.push({ kind: line.kind, text: line.text });
    index++;
  }
  return rows;
}
