/**
 * In-process diff benchmark: diff/'s `diffApplication` over N (desired, live, predicted)
 * triples, with time and peak memory, median of several runs.
 *
 * The triples are real: they are copies (renamed, new uids) of the cases diff/testdata
 * captured from the control plane, so every live object carries the managedFields, defaults
 * and status an API server writes. A third are Deployments, a third Services, a third
 * ConfigMaps (with ten keys); one Deployment or ConfigMap in ten has drifted (image, env
 * var, replicas, a ConfigMap value), about 7% of all objects. diff/ does not modify its
 * inputs, so every run diffs the same ones.
 *
 * Each size runs in a child process of its own, so its peak RSS (`resourceUsage().maxRSS`)
 * is its own: "peak RSS" is the child's whole life (inputs plus diff), "diff peak" the
 * growth over the RSS with the inputs built, the heap figures from `memoryUsage()`.
 *
 *   src/bin/node bench/diff.ts [--sizes 1000,10000] [--runs 5] [--json FILE]
 *
 * `runDiffBench(options)` does the same for bench/run.ts and returns the rows
 * (no peer: kubectl has no in-process diff of live objects to time).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { load } from 'js-yaml';
import { diffApplication, type ObjectDiffInput } from '../diff/index.ts';
import type { KubeObject } from '../objects.ts';
import { emitResult } from './bench-io.ts';
import { median, type BenchResult } from './report.ts';

export interface DiffBenchOptions {
  sizes: number[];
  runs: number;
}

const testdata = join(import.meta.dirname, '..', 'diff', 'testdata');
function triple(name: string): ObjectDiffInput {
  const read = (file: string): KubeObject | undefined => {
    try {
      return load(readFileSync(join(testdata, name, file), 'utf8')) as KubeObject;
    } catch {
      return undefined;
    }
  };
  return { desired: read('desired.yaml'), live: read('live.yaml'), predicted: read('predicted.yaml') };
}

/** A ConfigMap triple with ten keys, from the captured empty one: Berth owns every key. */
function configMapTriple(drifted: boolean): ObjectDiffInput {
  const base = triple('configmap-empty-data-synced');
  const data = Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`key-${k}.properties`, `setting.${k}=${'v'.repeat(60)}\nother.${k}=true\n`]));
  const fields = { 'f:data': Object.fromEntries(Object.keys(data).map((key) => [`f:${key}`, {}])) };
  const withData = (object: KubeObject | undefined, extra: Record<string, string> = {}): KubeObject | undefined => object && {
    ...object,
    metadata: { ...object.metadata, managedFields: object.metadata.managedFields?.map((entry) => ({ ...entry, fieldsV1: fields })) },
    data: { ...data, ...extra },
  };
  return {
    desired: withData(base.desired),
    live: withData(base.live, drifted ? { 'key-3.properties': 'changed by hand\n' } : {}),
    predicted: withData(base.predicted),
  };
}

function renamed(input: ObjectDiffInput, i: number): ObjectDiffInput {
  const rename = (object: KubeObject | undefined): KubeObject | undefined => {
    if (!object) return undefined;
    const copy = structuredClone(object);
    copy.metadata.name = `${object.metadata.name ?? 'object'}-${i}`;
    if (copy.metadata.uid) copy.metadata.uid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    return copy;
  };
  return { desired: rename(input.desired), live: rename(input.live), predicted: rename(input.predicted) };
}

function buildInputs(size: number): ObjectDiffInput[] {
  const deployment = triple('deployment-defaulted-synced');
  const service = triple('service-defaulted-synced');
  const driftedDeployments = ['image-changed-by-other-manager', 'env-var-changed', 'replicas-set-by-git-scaled-by-hpa'].map(triple);
  const configMap = configMapTriple(false);
  const driftedConfigMap = configMapTriple(true);
  return Array.from({ length: size }, (_, i) => {
    const drifted = i % 10 === 9;
    const kind = i % 3;
    const template = kind === 0
      ? (drifted ? driftedDeployments[i % driftedDeployments.length] ?? deployment : deployment)
      : kind === 1 ? service : drifted ? driftedConfigMap : configMap;
    return renamed(template, i);
  });
}

const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);

interface SizeResult {
  size: number;
  runs: number;
  msMedian: number;
  msMin: number;
  msMax: number;
  counts: Record<string, number>;
  rssWithInputsMb: number;
  peakRssMb: number;
  diffPeakMb: number;
  heapBeforeMb: number;
  heapAfterMb: number;
}

function runChild(size: number, runs: number): SizeResult {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const inputs = buildInputs(size);
  gc();
  const rssWithInputs = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const times: number[] = [];
  let counts: Record<string, number> = {};
  let heapAfter = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const result = diffApplication({ objects: inputs });
    times.push(performance.now() - started);
    counts = result.counts;
    // Heap while the result is still held: what a caller keeping the report pays.
    heapAfter = Math.max(heapAfter, process.memoryUsage().heapUsed);
    gc();
  }
  const peakRss = process.resourceUsage().maxRSS * 1024;
  return {
    size, runs, msMedian: median(times), msMin: Math.min(...times), msMax: Math.max(...times), counts,
    rssWithInputsMb: mb(rssWithInputs), peakRssMb: mb(peakRss), diffPeakMb: mb(peakRss - rssWithInputs),
    heapBeforeMb: mb(heapBefore), heapAfterMb: mb(heapAfter),
  };
}

/** Each size in a child process of its own, so its peak RSS is its own. */
export function runDiffBench(options: DiffBenchOptions): BenchResult {
  const results = options.sizes.map((size) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', ...process.execArgv, import.meta.filename, '--child', String(size), '--runs', String(options.runs)], {
    encoding: 'utf8', maxBuffer: 1 << 20,
  })) as SizeResult);
  process.stdout.write(`diffApplication, Node ${process.version}, median of ${options.runs} runs per size (each size in its own process)\n\n`);
  process.stdout.write('| objects | median | min .. max | per object | Synced / OutOfSync | peak RSS | RSS with inputs | diff peak (RSS) | heap with result |\n');
  process.stdout.write('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n');
  for (const r of results) {
    process.stdout.write(`| ${r.size} | ${r.msMedian.toFixed(0)} ms | ${r.msMin.toFixed(0)} .. ${r.msMax.toFixed(0)} ms | ${(r.msMedian * 1000 / r.size).toFixed(0)} µs | ${r.counts.Synced ?? 0} / ${r.counts.OutOfSync ?? 0} `
      + `| ${r.peakRssMb} MB | ${r.rssWithInputsMb} MB | ${r.diffPeakMb} MB | ${r.heapAfterMb} MB (inputs ${r.heapBeforeMb} MB) |\n`);
  }
  return {
    bench: 'diff',
    rows: results.map((r) => ({
      workload: 'in-process diff (desired, live, predicted)',
      size: `${r.size.toLocaleString('en-US')} objects`,
      berth: { value: r.msMedian, unit: 'ms' as const },
      notes: `median of ${r.runs} runs; ${r.counts.OutOfSync ?? 0} OutOfSync; process peak RSS ${r.peakRssMb} MiB, of it the diff ${r.diffPeakMb} MiB`,
    })),
    details: { results },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1000,10000' },
      runs: { type: 'string', default: '5' },
      child: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const runs = Number.parseInt(values.runs, 10);
  if (values.child) {
    process.stdout.write(JSON.stringify(runChild(Number.parseInt(values.child, 10), runs)));
  } else {
    emitResult(runDiffBench({ sizes: values.sizes.split(',').map((size) => Number.parseInt(size, 10)), runs }), values.json);
  }
}
