/**
 * Apply benchmark: Berth's sync engine (`runSync` over the REST ClusterClient,
 * with the release's drift test) against `kubectl apply --server-side -f DIR`,
 * on one local control plane started for the run. N objects (a third each
 * Deployments scaled to 0, headless Services, ConfigMaps; headless because the
 * harness's service IP range holds a few hundred addresses) go into a fresh, empty
 * namespace per side and run, alternating which side goes first:
 *   cold:      the namespace is empty;
 *   no change: the same objects again into the namespace just filled.
 * Berth's ClusterClient is wrapped to count its requests; with nothing changed
 * it must write nothing. Prints medians, the ratio Berth/kubectl, and the
 * targets of issue 5 (cold <= 0.5x, no change <= 0.2x).
 *
 *   src/bin/node bench/apply.ts [--objects 1000] [--runs 3] [--concurrency 32]
 *     [--kubeconfig FILE] [--out FILE] [--json FILE]
 *
 * Without --kubeconfig it starts its own control plane and stops it at the end;
 * with one (bench/run.ts shares its plane) it deletes the namespaces it made.
 * `runApplyBench(options)` does the same in-process and returns the rows.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { dump } from 'js-yaml';
import type { KubeObject } from '../objects.ts';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import { createClusterClient } from '../src/kube/cluster-client.ts';
import { createDiscovery } from '../src/kube/discovery.ts';
import { createRestClient } from '../src/kube/rest.ts';
import type { ClusterClient } from '../sync/cluster.ts';
import { renderedRevision } from '../sync/desired.ts';
import { runSync, type SyncResult } from '../sync/engine.ts';
import { emptyInventory, type Inventory } from '../sync/inventory.ts';
import { diffHasDrifted } from '../sync/release-drift.ts';
import { releaseSyncConcurrency } from '../sync/release.ts';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.ts';
import { emitResult } from './bench-io.ts';
import { comparedRow, median, type BenchResult } from './report.ts';

const run = promisify(execFile);

export interface ApplyBenchOptions {
  objects: number;
  runs: number;
  concurrency?: number;
  /** A running cluster to use; without it a private control plane is started and stopped. */
  kubeconfig?: string;
  /** Also write the detailed figures here (the older --out). */
  out?: string;
  log?: (line: string) => void;
}

function manifests(objectCount: number): KubeObject[] {
  const objects: KubeObject[] = [];
  for (let i = 0; i < objectCount; i++) {
    const name = `app-${i}`;
    const labels = { app: name, tier: `t${i % 10}` };
    if (i % 3 === 0) {
      objects.push({
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels },
        spec: {
          replicas: 0, selector: { matchLabels: { app: name } },
          template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: `registry.example/app:${i}`, ports: [{ containerPort: 8080 }] }] } },
        },
      });
    } else if (i % 3 === 1) {
      objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name, labels }, spec: { clusterIP: 'None', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    } else {
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { index: String(i), payload: 'x'.repeat(200) } });
    }
  }
  return objects;
}

interface Counts { gets: number; lists: number; dryRuns: number; applies: number; deletes: number }

/** The ClusterClient with a count of its requests by kind. */
function counting(client: ClusterClient): { client: ClusterClient; counts: Counts } {
  const counts: Counts = { gets: 0, lists: 0, dryRuns: 0, applies: 0, deletes: 0 };
  const { list } = client;
  return {
    counts,
    client: {
      apply: (object, options) => {
        if (options.dryRun) counts.dryRuns += 1;
        else counts.applies += 1;
        return client.apply(object, options);
      },
      get: (ref) => {
        counts.gets += 1;
        return client.get(ref);
      },
      // Passed on only when the client has it: the engine reads large groups with it then.
      ...(list === undefined ? {} : {
        list: (apiVersion: string, kind: string, options: { namespace?: string }) => {
          counts.lists += 1;
          return list.call(client, apiVersion, kind, options);
        },
      }),
      delete: (ref, options) => {
        counts.deletes += 1;
        return client.delete(ref, options);
      },
      resourceScope: (group, version, kind) => client.resourceScope(group, version, kind),
    },
  };
}

async function time<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** First to last PATCH in kubectl's -v=6 log (klog times, `I1122 08:07:52.643570`), in ms. */
function requestPhaseMs(output: unknown): number {
  const stderr = (output as { stderr?: string }).stderr ?? '';
  const times = [...stderr.matchAll(/^I\d{4} (\d\d):(\d\d):(\d\d\.\d+) .* PATCH /gm)]
    .map(([, h, m, s]) => (Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000);
  return times.length < 2 ? 0 : (times.at(-1) ?? 0) - (times[0] ?? 0);
}

interface ApplyContext {
  objectCount: number;
  runs: number;
  concurrency: number;
  log: (line: string) => void;
  kubeconfig: string;
  work: string;
  kubectl: (...argv: string[]) => Promise<unknown>;
  /** Namespaces made so far, for the caller to delete. */
  created: string[];
  out: string | undefined;
}

async function measureApply(context: ApplyContext): Promise<BenchResult> {
  const { objectCount, runs, concurrency, log, kubeconfig, work, kubectl, created } = context;
  const objects = manifests(objectCount);
  const dir = path.join(work, 'manifests');
  await fs.mkdir(dir);
  // One file per kind, as a repository directory would have them.
  for (const kind of ['Deployment', 'Service', 'ConfigMap']) {
    await fs.writeFile(path.join(dir, `${kind.toLowerCase()}s.yaml`), objects.filter((o) => o.kind === kind).map((o) => dump(o)).join('---\n'));
  }
  const kc = loadKubeConfig({ kubeconfig });
  const runId = Date.now().toString(36);
  const freshNamespace = async (side: string): Promise<string> => {
    const name = `bench-apply-${runId}-${side}-${created.length + 1}`;
    await kubectl('create', 'namespace', name);
    created.push(name);
    return name;
  };

  const figures = {
    cold: { berth: [] as number[], kubectl: [] as number[] },
    unchanged: { berth: [] as number[], kubectl: [] as number[] },
  };
  const requests: { cold: Counts[]; unchanged: Counts[] } = { cold: [], unchanged: [] };
  const kubectlRequestPhase = { cold: [] as number[], unchanged: [] as number[] };

  const berthSide = async (): Promise<void> => {
    const namespace = await freshNamespace('berth');
    // A new client per run, like a new kubectl process: discovery starts cold.
    const rest = await createRestClient(kc);
    try {
      const base = createClusterClient(rest, createDiscovery(rest));
      const sync = async (previousInventory: Inventory): Promise<{ result: SyncResult; counts: Counts }> => {
        const { client, counts } = counting(base);
        const result = await runSync(client, { desired: renderedRevision('bench', objects), previousInventory }, {
          destinationNamespace: namespace, prune: true, concurrency, hasDrifted: diffHasDrifted(),
        });
        if (result.phase !== 'Succeeded') throw new Error(`berth sync failed: ${result.message}`);
        return { result, counts };
      };
      const cold = await time(() => sync(emptyInventory));
      const again = await time(() => sync(cold.value.result.inventory));
      figures.cold.berth.push(cold.ms);
      figures.unchanged.berth.push(again.ms);
      requests.cold.push(cold.value.counts);
      requests.unchanged.push(again.value.counts);
      log(`  berth    cold ${cold.ms.toFixed(0)} ms (${JSON.stringify(cold.value.counts)}); no change ${again.ms.toFixed(0)} ms `
        + `(${JSON.stringify(again.value.counts)}; ${again.value.result.summary.unchanged} unchanged)`);
    } finally {
      rest.close();
    }
  };
  const kubectlSide = async (): Promise<void> => {
    const namespace = await freshNamespace('kubectl');
    // -v=6 logs each request with its time: the span from the first PATCH to the last is kubectl's request phase.
    const apply = (): Promise<unknown> => kubectl('apply', '--server-side', '-n', namespace, '-f', dir, '-v=6');
    const cold = await time(apply);
    const again = await time(apply);
    figures.cold.kubectl.push(cold.ms);
    figures.unchanged.kubectl.push(again.ms);
    const phases = [requestPhaseMs(cold.value), requestPhaseMs(again.value)];
    kubectlRequestPhase.cold.push(phases[0] ?? 0);
    kubectlRequestPhase.unchanged.push(phases[1] ?? 0);
    log(`  kubectl  cold ${cold.ms.toFixed(0)} ms (PATCH phase ${phases[0]?.toFixed(0)} ms); no change ${again.ms.toFixed(0)} ms (PATCH phase ${phases[1]?.toFixed(0)} ms)`);
  };

  log(`${objectCount} objects, ${runs} runs per side, Berth concurrency ${concurrency}`);
  // Warm-up, not measured: the first apply of a kind pays for the API server's own caches.
  await kubectl('apply', '--server-side', '-n', await freshNamespace('warmup'), '-f', dir);
  for (let i = 0; i < runs; i++) {
    log(`run ${i + 1}`);
    for (const side of i % 2 === 0 ? [berthSide, kubectlSide] : [kubectlSide, berthSide]) await side();
  }

  const writes = requests.unchanged.map((c) => c.applies + c.deletes);
  const cold = comparedRow({ workload: 'apply, cold (empty namespace)', size: `${objectCount.toLocaleString('en-US')} objects`, peer: 'kubectl apply --server-side', unit: 'ms',
    notes: `median of ${runs} alternating runs; target <= 0.5x; Berth concurrency ${concurrency}` }, figures.cold.berth, figures.cold.kubectl);
  const unchanged = comparedRow({ workload: 'apply, no change', size: `${objectCount.toLocaleString('en-US')} objects`, peer: 'kubectl apply --server-side', unit: 'ms',
    notes: `median of ${runs} alternating runs; target <= 0.2x; Berth writes with nothing changed: ${writes.join(', ')} (must be 0)` }, figures.unchanged.berth, figures.unchanged.kubectl);
  log(`kubectl's PATCH phase alone (after its client-side preparation): cold ${median(kubectlRequestPhase.cold).toFixed(0)} ms, `
    + `no change ${median(kubectlRequestPhase.unchanged).toFixed(0)} ms`);
  log(`berth write requests with nothing changed: ${writes.join(', ')} (must be 0)`);
  const details = {
    objects: objectCount, runs, concurrency, figures, kubectlRequestPhase, requests, ratios: { cold: cold.ratio, unchanged: unchanged.ratio },
    berthColdObjectsPerSecond: objectCount / median(figures.cold.berth) * 1000, writesWithNoChange: writes,
  };
  if (context.out) await fs.writeFile(context.out, `${JSON.stringify(details, null, 2)}\n`);
  return { bench: 'apply', rows: [cold, unchanged], details };
}

export async function runApplyBench(options: ApplyBenchOptions): Promise<BenchResult> {
  const { objects: objectCount, runs } = options;
  const concurrency = options.concurrency ?? releaseSyncConcurrency;
  const log = options.log ?? ((line: string) => { process.stdout.write(`${line}\n`); });
  let plane: ControlPlane | undefined;
  if (!options.kubeconfig) plane = await startControlPlane({ log: (line) => { log(`[cluster] ${line}`); } });
  const kubeconfig = options.kubeconfig ?? plane?.kubeconfigPath ?? '';
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-bench-apply-'));
  const created: string[] = [];
  const kubectl = (...argv: string[]): Promise<unknown> => run('kubectl', ['--kubeconfig', kubeconfig, ...argv], { maxBuffer: 64 * 1024 * 1024 });
  try {
    return await measureApply({ objectCount, runs, concurrency, log, kubeconfig, work, kubectl, created, out: options.out });
  } finally {
    await fs.rm(work, { recursive: true, force: true });
    if (plane) await plane.stop();
    else if (created.length > 0) await kubectl('delete', 'namespace', '--wait=false', ...created).catch(() => undefined);
  }
}

if (import.meta.main) {
  const { values: args } = parseArgs({
    options: {
      objects: { type: 'string', default: '1000' },
      runs: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: String(releaseSyncConcurrency) },
      kubeconfig: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const result = await runApplyBench({
    objects: Number.parseInt(args.objects, 10), runs: Number.parseInt(args.runs, 10), concurrency: Number.parseInt(args.concurrency, 10),
    ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}), ...(args.out ? { out: args.out } : {}),
  });
  emitResult(result, args.json);
  const writes = (result.details?.writesWithNoChange ?? []) as number[];
  if (writes.some((count) => count > 0)) process.exitCode = 1;
}
