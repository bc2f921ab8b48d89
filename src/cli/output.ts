/**
 * How the client commands print: `-o table` (columns for people), `-o json`
 * and `-o yaml` (the API's answer as it is, for scripts), and unified diffs,
 * coloured only when stdout is a terminal (and NO_COLOR is not set).
 */
import { styleText } from 'node:util';
import { dump } from 'js-yaml';
import { UsageError } from './api-client.ts';

export const outputFormats = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof outputFormats)[number];

export function parseOutputFormat(value: string): OutputFormat {
  const found = outputFormats.find((format) => format === value);
  if (!found) throw new UsageError(`-o must be one of ${outputFormats.join(', ')}, got ${JSON.stringify(value)}`);
  return found;
}

export function formatData(format: 'json' | 'yaml', value: unknown): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : dump(value, { noRefs: true, lineWidth: -1 });
}

/** Left-aligned columns, two spaces apart, headers in capitals. */
export function formatTable(headers: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  const cells = [headers.map((header) => header.toUpperCase()), ...rows.map((row) => row.map((cell) => (cell === undefined || cell === '' ? '-' : String(cell))))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  return cells.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

export const shortRevision = (revision: string | undefined): string | undefined => (revision && /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 12) : revision);

export function useColor(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY && !process.env.NO_COLOR;
}

/** A unified diff with removed lines red, added lines green and hunk headers cyan. */
export function colorDiff(diff: string): string {
  return diff.split('\n').map((line) => {
    if (line.startsWith('+++') || line.startsWith('---')) return styleText('bold', line);
    if (line.startsWith('+')) return styleText('green', line);
    if (line.startsWith('-')) return styleText('red', line);
    if (line.startsWith('@@')) return styleText('cyan', line);
    return line;
  }).join('\n');
}
