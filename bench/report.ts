/**
 * What every benchmark hands back, and how `npm run bench` prints it: rows of
 * (workload, size, Berth's figure, the peer measured in the same run and its
 * figure, ratio Berth / peer), medians, and the Markdown table. Pure code: no
 * I/O here, so the formatting is unit-tested (bench/report.test.ts).
 *
 * A ratio is always median(Berth) / median(peer) over alternating runs
 * (A, B, A, B ...) of the same workload on the same machine; a peer figure that
 * was published elsewhere is never divided by (see `published`).
 */

export const units = ['ms', 's', 'MiB', 'req/s', 'objects/s', 'requests', 'fetches', 'reconciles', 'CPU s'] as const;
export type Unit = (typeof units)[number];

export interface Measure {
  value: number;
  unit: Unit;
}

export interface BenchRow {
  workload: string;
  size: string;
  /** Absent for a row that measures only the peer (the API server's own ceiling). */
  berth?: Measure;
  /** Who Berth is compared with; absent when no peer does this. */
  peer?: string;
  peerFigure?: Measure;
  /** Berth / peer from medians of alternating runs; absent when either side is missing or the peer's figure is published. */
  ratio?: number;
  /** The peer's figure comes from a publication, not from this run: shown, never divided by. */
  published?: boolean;
  /** Targets, run counts, anything the reader needs to judge the row. */
  notes?: string;
}

/** What one benchmark returns: its rows, and its own figures for results.json. */
export interface BenchResult {
  bench: string;
  rows: BenchRow[];
  details?: Record<string, unknown>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] ?? Number.NaN : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The q-th quantile (0..1) by nearest rank, as latency percentiles are usually given. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** median(berth) / median(peer); undefined when either side has no sample or the peer's median is 0. */
export function ratioOfMedians(berth: readonly number[], peer: readonly number[]): number | undefined {
  const b = median(berth);
  const p = median(peer);
  if (!Number.isFinite(b) || !Number.isFinite(p) || p === 0) return undefined;
  return b / p;
}

/** A row comparing Berth with a peer measured in the same run: medians of both, and their ratio. */
export function comparedRow(fields: { workload: string; size: string; peer: string; unit: Unit; notes?: string }, berth: readonly number[], peer: readonly number[]): BenchRow {
  const ratio = ratioOfMedians(berth, peer);
  return {
    workload: fields.workload, size: fields.size,
    berth: { value: median(berth), unit: fields.unit },
    peer: fields.peer, peerFigure: { value: median(peer), unit: fields.unit },
    ...(ratio === undefined ? {} : { ratio }),
    ...(fields.notes === undefined ? {} : { notes: fields.notes }),
  };
}

const grouped = (value: number, digits: number): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A figure as a person reads it: `1,234 ms`, `4.2 s`, `0.35 CPU s`, `87 MiB`. */
export function formatMeasure(measure: Measure | undefined): string {
  if (measure === undefined || !Number.isFinite(measure.value)) return '-';
  const { value, unit } = measure;
  switch (unit) {
    case 'ms':
      return value >= 10_000 ? `${grouped(value / 1000, 1)} s` : `${grouped(value, value < 10 ? 1 : 0)} ms`;
    case 's':
    case 'CPU s':
      return `${grouped(value, value < 10 ? 2 : 1)} ${unit}`;
    case 'requests':
    case 'fetches':
    case 'reconciles':
      return `${grouped(value, Number.isInteger(value) ? 0 : 1)} ${unit}`;
    default:
      return `${grouped(value, value < 100 ? 1 : 0)} ${unit}`;
  }
}

export function formatRatio(row: BenchRow): string {
  if (row.published) return 'n/a (published figure)';
  return row.ratio === undefined || !Number.isFinite(row.ratio) ? '-' : `${row.ratio.toFixed(2)}x`;
}

/** Markdown table cells may not hold a bare `|` or a line break. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

export function markdownTable(rows: readonly BenchRow[]): string {
  const lines = [
    '| workload | size | Berth | peer | peer\'s figure | ratio (Berth / peer) | notes |',
    '| --- | --- | ---: | --- | ---: | ---: | --- |',
  ];
  for (const row of rows) {
    const peer = row.peer === undefined ? '-' : row.published ? `${row.peer} (published, not measured here)` : row.peer;
    lines.push(`| ${[row.workload, row.size, formatMeasure(row.berth), peer, formatMeasure(row.peerFigure), formatRatio(row), row.notes ?? ''].map(cell).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Facts about the machine and the versions, printed above the table so runs can be compared. */
export interface MachineFacts {
  date: string;
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kubernetes: string;
  etcd: string;
  kubectl: string;
  git: string;
  berthCommit: string;
}

export function machineFactsMarkdown(facts: MachineFacts): string {
  return [
    `- date: ${facts.date}`,
    `- machine: ${facts.cores} cores (${facts.cpuModel}), ${facts.memoryGiB.toFixed(1)} GiB memory, shared by the control plane and every process measured`,
    `- Node ${facts.node}; Kubernetes ${facts.kubernetes}, etcd ${facts.etcd} (test/harness/versions.env); kubectl ${facts.kubectl}; git ${facts.git}`,
    `- Berth commit ${facts.berthCommit}`,
  ].join('\n');
}

/** KEY=VALUE lines, `#` comments ignored: the format of test/harness/versions.env. */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) values[match[1] ?? ''] = (match[2] ?? '').trim().replace(/^"(.*)"$/, '$1');
  }
  return values;
}
