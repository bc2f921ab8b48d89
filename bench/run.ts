/**
 * `npm run bench`: every benchmark under bench/, one after the other, each in a
 * child process of its own (so its memory figures are its own, and a crash
 * costs one row, not the run), and one Markdown table of all their rows with
 * the machine's facts above it, written as <out>.md and <out>.json so runs can
 * be compared between versions.
 *
 *   npm run bench -- [--quick] [--out PATH] [--only a,b] [--skip a,b]
 *
 * --out defaults to bench/results/<date> (ignored by Git). --quick runs small
 * sizes (a few minutes); the defaults are the published sizes (1,000 objects,
 * 1,000 Applications; about 20 minutes on 2 cores).
 *
 * Order: the benchmarks that need no cluster first (fetch, render, diff), then
 * one private control plane shared by drift-check, apply, apiserver-limit and
 * webhook (each in namespaces of its own, deleted after it), stopped before
 * controller-scale, which starts its own: it measures the control plane's CPU
 * and needs it to itself. Each benchmark's own header says what it measures.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.ts';
import { ceilingRow } from './apiserver-limit.ts';
import { machineFacts, readResult } from './bench-io.ts';
import { benchPlan, type BenchName, type PlannedBench } from './plan.ts';
import { machineFactsMarkdown, markdownTable, type BenchResult, type BenchRow } from './report.ts';

const root = resolve(import.meta.dirname, '..');
const log = (line: string): void => { process.stderr.write(`[bench/run ${new Date().toISOString().slice(11, 19)}] ${line}\n`); };

interface Outcome {
  bench: BenchName;
  args: string[];
  seconds: number;
  exitCode: number | null;
  result?: BenchResult;
}

async function runChild(planned: PlannedBench, args: string[], jsonFile: string): Promise<{ exitCode: number | null; seconds: number }> {
  const started = performance.now();
  const child = spawn(join(root, 'src/bin/node'), [join(root, 'bench', `${planned.name}.ts`), ...args, '--json', jsonFile], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exitCode = await new Promise<number | null>((done) => {
    child.once('error', () => { done(-1); });
    child.once('exit', (code) => { done(code); });
  });
  return { exitCode, seconds: (performance.now() - started) / 1000 };
}

/** Rows that need two benchmarks: Berth's apply throughput against the API server's ceiling. */
function combinedRows(outcomes: readonly Outcome[]): BenchRow[] {
  const apply = outcomes.find((o) => o.bench === 'apply')?.result?.details as { berthColdObjectsPerSecond?: number; objects?: number } | undefined;
  const limit = outcomes.find((o) => o.bench === 'apiserver-limit')?.result?.details as { ceiling?: { requestsPerSecond: number; concurrency: number } } | undefined;
  if (apply?.berthColdObjectsPerSecond === undefined || !limit?.ceiling) return [];
  return [ceilingRow(apply.berthColdObjectsPerSecond, `${(apply.objects ?? 0).toLocaleString('en-US')} objects`, limit.ceiling)];
}

function failureRow(outcome: Outcome): BenchRow {
  return { workload: `${outcome.bench}: FAILED`, size: '-', notes: `exit code ${String(outcome.exitCode)} after ${outcome.seconds.toFixed(0)} s; its output above says why` };
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string' },
  },
});
const plan = benchPlan({ quick: values.quick, only: values.only?.split(','), skip: values.skip?.split(',') });
const out = resolve(values.out ?? join(root, 'bench/results', new Date().toISOString().slice(0, 19).replaceAll(':', '-')));
mkdirSync(dirname(out), { recursive: true });
const facts = machineFacts();
const work = mkdtempSync(join(tmpdir(), 'berth-bench-run-'));
const outcomes: Outcome[] = [];
const started = performance.now();
let plane: ControlPlane | undefined;
log(`${plan.map((p) => p.name).join(', ')}${values.quick ? ' (quick sizes)' : ''}; results to ${out}.md and .json`);
try {
  for (const planned of plan) {
    if (planned.cluster === 'shared' && !plane) {
      log('starting the shared control plane');
      plane = await startControlPlane({ log: (line) => { log(`[cluster] ${line}`); } });
    }
    if (planned.cluster !== 'shared' && plane) {
      log('stopping the shared control plane');
      await plane.stop();
      plane = undefined;
    }
    const args = [...planned.args];
    if (planned.cluster === 'shared' && plane) {
      args.push('--kubeconfig', plane.kubeconfigPath);
      if (planned.needsRedis) args.push('--redis-url', plane.redisUrl);
    }
    const jsonFile = join(work, `${planned.name}.json`);
    log(`${planned.name} ${args.join(' ')}`);
    const { exitCode, seconds } = await runChild(planned, args, jsonFile);
    const outcome: Outcome = { bench: planned.name, args, seconds, exitCode };
    if (existsSync(jsonFile)) outcome.result = readResult(jsonFile);
    outcomes.push(outcome);
    log(`${planned.name}: exit ${String(exitCode)} in ${seconds.toFixed(0)} s`);
  }
} finally {
  if (plane) await plane.stop();
  rmSync(work, { recursive: true, force: true });
}

const rows = outcomes.flatMap((o) => (o.result ? o.result.rows : [failureRow(o)]));
rows.push(...combinedRows(outcomes));
const totalSeconds = (performance.now() - started) / 1000;
const markdown = [
  `# Berth benchmarks${values.quick ? ' (quick sizes)' : ''}`,
  '',
  machineFactsMarkdown(facts),
  `- command: npm run bench --${values.quick ? ' --quick' : ''}${values.only ? ` --only ${values.only}` : ''}${values.skip ? ` --skip ${values.skip}` : ''}; ${(totalSeconds / 60).toFixed(1)} minutes`,
  '',
  'Peers are measured in the same run on the same machine; a ratio is median(Berth) / median(peer) over alternating runs, below 1 means Berth is faster. '
    + 'A published figure is shown for context and never divided by.',
  '',
  markdownTable(rows),
  '| benchmark | arguments | seconds | exit |',
  '| --- | --- | ---: | ---: |',
  ...outcomes.map((o) => `| ${o.bench} | \`${o.args.filter((arg) => !arg.includes('/')).join(' ')}\` | ${o.seconds.toFixed(0)} | ${String(o.exitCode)} |`),
  '',
].join('\n');
writeFileSync(`${out}.md`, markdown);
writeFileSync(`${out}.json`, `${JSON.stringify({ facts, quick: values.quick, totalSeconds, rows, benches: outcomes }, null, 2)}\n`);
process.stdout.write(`\n${markdown}`);
log(`wrote ${out}.md and ${out}.json`);
if (outcomes.some((o) => o.exitCode !== 0)) process.exitCode = 1;
