/**
 * Health of 10,000 live objects of mixed kinds with the CEL rules (issue 18;
 * goal: under 200 ms with compiled rules cached): `assessHealth` over copies of
 * the fixtures health/ is tested with, a third of them custom resources judged
 * by the built-in CEL library (cert-manager, Flux, Argo Rollouts, KEDA,
 * Crossplane, Gateway API, Knative, Strimzi, CloudNativePG, Velero, ...), the
 * rest core kinds (Deployments, Pods, Jobs, ...) judged by their TypeScript
 * rules, with an Application's own spec.healthChecks layered on top.
 *
 * "cold" is the first pass in a fresh process (every expression parsed once
 * then cached by its text); "warm" the median of the passes after it.
 *
 *   src/bin/node bench/health-cel.ts [--objects 10000] [--runs 7] [--json FILE]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAll } from 'js-yaml';
import { assessHealth, builtinCelRules, healthRuleSet } from '../health/index.ts';
import type { KubeObject } from '../objects.ts';
import { emitResult } from './bench-io.ts';
import { median, type BenchResult } from './report.ts';

const health = join(import.meta.dirname, '..', 'health');

function documents(dir: string): KubeObject[] {
  return readdirSync(dir).filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => (loadAll(readFileSync(join(dir, file), 'utf8')) as (KubeObject | null)[]).filter((o): o is KubeObject => o !== null && typeof o.kind === 'string'));
}

function buildObjects(count: number): { objects: KubeObject[]; custom: number } {
  const custom = documents(join(health, 'rules', 'testdata'));
  const core = documents(join(health, 'testdata'));
  const objects = Array.from({ length: count }, (_, i) => {
    const template = i % 3 === 0 ? custom[i % custom.length] : core[i % core.length];
    const copy = structuredClone(template) as KubeObject;
    copy.metadata.name = `${copy.metadata.name ?? 'object'}-${i}`;
    return copy;
  });
  return { objects, custom: Math.ceil(count / 3) };
}

export function runHealthCelBench(options: { objects: number; runs: number }): BenchResult {
  const { objects, custom } = buildObjects(options.objects);
  // An Application's own rules on top, as a reconcile builds them (src/health-rules/rules-for-app.ts).
  const rules = healthRuleSet(builtinCelRules, [], [{ group: 'example.com', kind: 'Widget', source: 'bench', current: `has(self.status) && has(self.status.phase) && self.status.phase == 'Ready'` }]);
  // CPU time beside wall time: on a shared machine (load above its cores) wall time is mostly waiting for a core.
  const pass = (): { ms: number; cpuMs: number; opinions: number } => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    let opinions = 0;
    for (const object of objects) if (assessHealth(object, rules) !== undefined) opinions += 1;
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, opinions };
  };
  const cold = pass();
  const warm = Array.from({ length: options.runs }, pass);
  const warmMs = median(warm.map((run) => run.ms));
  const warmCpuMs = median(warm.map((run) => run.cpuMs));
  const load = loadavg()[0] ?? 0;
  process.stdout.write(`assessHealth with CEL rules, Node ${process.version}: ${options.objects} objects (${custom} custom resources under the built-in CEL library); load average ${load.toFixed(1)} on ${availableParallelism()} cores\n`);
  process.stdout.write(`cold (first pass, expressions parsed): ${cold.ms.toFixed(1)} ms wall, ${cold.cpuMs.toFixed(1)} ms CPU; warm median of ${options.runs}: ${warmMs.toFixed(1)} ms wall, ${warmCpuMs.toFixed(1)} ms CPU (${(warmCpuMs * 1000 / options.objects).toFixed(1)} µs CPU per object); ${cold.opinions} with an opinion\n`);
  const size = `${options.objects.toLocaleString('en-US')} mixed objects`;
  const context = `load average ${load.toFixed(1)} on ${availableParallelism()} cores`;
  return {
    bench: 'health-cel',
    rows: [
      { workload: 'health with CEL rules (compiled rules cached), CPU time', size, berth: { value: warmCpuMs, unit: 'ms' }, notes: `goal < 200 ms; median of ${options.runs} passes; ${custom.toLocaleString('en-US')} custom resources under the built-in CEL library, the rest core kinds` },
      { workload: 'health with CEL rules (compiled rules cached), wall time', size, berth: { value: warmMs, unit: 'ms' }, notes: context },
      { workload: 'health with CEL rules, first pass (rules compiled), CPU time', size, berth: { value: cold.cpuMs, unit: 'ms' }, notes: 'one pass in a fresh process, every expression parsed once' },
    ],
    details: { objects: options.objects, custom, coldMs: cold.ms, coldCpuMs: cold.cpuMs, warmMs: warm.map((run) => run.ms), warmCpuMs: warm.map((run) => run.cpuMs), opinions: cold.opinions, loadAverage: load },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { objects: { type: 'string', default: '10000' }, runs: { type: 'string', default: '7' }, json: { type: 'string' } } });
  emitResult(runHealthCelBench({ objects: Number.parseInt(values.objects, 10), runs: Number.parseInt(values.runs, 10) }), values.json);
}
