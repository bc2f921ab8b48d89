/**
 * The API server's own ceiling for server-side apply on this machine: N
 * ConfigMaps (a label and a 200-byte value, as in bench/apply.ts) sent as raw
 * server-side apply PATCH requests (`application/apply-patch+yaml`, field
 * manager `bench-limit`, force), with no controller logic at all: no discovery,
 * no dry run, no diff, no ordering. Requests go through Berth's REST client
 * (one keep-alive HTTPS agent with as many sockets as requests in flight),
 * `concurrency` at a time (its sockets connected before timing starts), into
 * a fresh namespace per pass:
 *   create:    every ConfigMap is new;
 *   no change: the same requests again (the API server still decodes, merges and compares).
 * Each run measures every concurrency, alternating their order; the figure is
 * requests per second, median over runs. The highest median is the ceiling that
 * bench/run.ts divides Berth's apply throughput (objects/s, bench/apply.ts) by:
 * how close the controller gets to what the API server can take at all.
 *
 *   src/bin/node bench/apiserver-limit.ts [--objects 1000] [--concurrency 32,64] [--runs 3]
 *     [--kubeconfig FILE] [--json FILE]
 *
 * Without --kubeconfig it starts its own control plane and stops it at the end;
 * with one it deletes the namespaces it made.
 */
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import { createRestClient, type RestClient } from '../src/kube/rest.ts';
import { mapBounded } from '../sync/wait.ts';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.ts';
import { emitResult } from './bench-io.ts';
import { median, type BenchResult, type BenchRow } from './report.ts';

export interface ApiServerLimitOptions {
  objects: number;
  concurrencies: number[];
  runs: number;
  kubeconfig?: string;
  log?: (line: string) => void;
}

export interface ApiServerLimitFigures {
  objects: number;
  runs: number;
  /** Requests per second by concurrency, every run. */
  create: Record<string, number[]>;
  unchanged: Record<string, number[]>;
  /** Highest median requests per second of the create pass, and at which concurrency. */
  ceiling: { requestsPerSecond: number; concurrency: number };
}

const configMap = (namespace: string, i: number): unknown => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: `limit-${i}`, namespace, labels: { app: `limit-${i}`, tier: `t${i % 10}` } },
  data: { index: String(i), payload: 'x'.repeat(200) },
});

/** Sends every PATCH, `concurrency` in flight; returns requests per second. */
async function applyAll(rest: RestClient, namespace: string, objects: number, concurrency: number): Promise<number> {
  const indexes = Array.from({ length: objects }, (_, i) => i);
  const started = performance.now();
  await mapBounded(indexes, concurrency, (i) => rest.request('PATCH', `/api/v1/namespaces/${namespace}/configmaps/limit-${i}`, {
    query: { fieldManager: 'bench-limit', force: 'true' },
    body: configMap(namespace, i),
    contentType: 'application/apply-patch+yaml',
  }));
  return objects / ((performance.now() - started) / 1000);
}

/** The highest median of `samples` by concurrency. */
export function ceilingOf(samples: Record<string, number[]>): { requestsPerSecond: number; concurrency: number } {
  let best = { requestsPerSecond: 0, concurrency: 0 };
  for (const [concurrency, values] of Object.entries(samples)) {
    const value = median(values);
    if (value > best.requestsPerSecond) best = { requestsPerSecond: value, concurrency: Number(concurrency) };
  }
  return best;
}

export async function runApiServerLimitBench(options: ApiServerLimitOptions): Promise<BenchResult> {
  const log = options.log ?? ((line: string) => { process.stdout.write(`${line}\n`); });
  let plane: ControlPlane | undefined;
  if (!options.kubeconfig) plane = await startControlPlane({ log: (line) => { log(`[cluster] ${line}`); } });
  const kc = loadKubeConfig({ kubeconfig: options.kubeconfig ?? plane?.kubeconfigPath ?? '' });
  const admin = await createRestClient(kc);
  const created: string[] = [];
  const runId = Date.now().toString(36);
  const freshNamespace = async (): Promise<string> => {
    const name = `bench-limit-${runId}-${created.length + 1}`;
    await admin.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
    created.push(name);
    return name;
  };
  const create: Record<string, number[]> = {};
  const unchanged: Record<string, number[]> = {};
  for (const concurrency of options.concurrencies) {
    create[concurrency] = [];
    unchanged[concurrency] = [];
  }
  try {
    // Warm-up, not measured: the API server's first ConfigMap writes fill its caches.
    const warm = await createRestClient(kc, { maxSockets: 16 });
    await applyAll(warm, await freshNamespace(), Math.min(200, options.objects), 16);
    warm.close();
    for (let run = 0; run < options.runs; run++) {
      const order = run % 2 === 0 ? options.concurrencies : [...options.concurrencies].reverse();
      for (const concurrency of order) {
        const rest = await createRestClient(kc, { maxSockets: concurrency });
        try {
          const namespace = await freshNamespace();
          // Every socket connected before the clock starts: the ceiling is of requests, not of TLS handshakes.
          await mapBounded(Array.from({ length: concurrency }, (_, i) => i), concurrency, () => rest.request('GET', `/api/v1/namespaces/${namespace}`));
          const first = await applyAll(rest, namespace, options.objects, concurrency);
          const again = await applyAll(rest, namespace, options.objects, concurrency);
          create[concurrency]?.push(first);
          unchanged[concurrency]?.push(again);
          log(`run ${run + 1}, concurrency ${concurrency}: create ${first.toFixed(0)} req/s, no change ${again.toFixed(0)} req/s`);
        } finally {
          rest.close();
        }
      }
    }
  } finally {
    if (created.length > 0 && !plane) {
      await Promise.all(created.map((name) => admin.request('DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined)));
    }
    admin.close();
    await plane?.stop();
  }
  const figures: ApiServerLimitFigures = { objects: options.objects, runs: options.runs, create, unchanged, ceiling: ceilingOf(create) };
  const size = `${options.objects.toLocaleString('en-US')} ConfigMaps`;
  const rows: BenchRow[] = [];
  for (const concurrency of options.concurrencies) {
    const notes = `median of ${options.runs} runs; Berth's REST client, no controller logic`;
    rows.push({ workload: 'API server ceiling: raw server-side apply PATCH, create', size, peer: `API server, concurrency ${concurrency}`, peerFigure: { value: median(create[concurrency] ?? []), unit: 'req/s' }, notes });
    rows.push({ workload: 'API server ceiling: raw server-side apply PATCH, no change', size, peer: `API server, concurrency ${concurrency}`, peerFigure: { value: median(unchanged[concurrency] ?? []), unit: 'req/s' }, notes });
  }
  return { bench: 'apiserver-limit', rows, details: { ...figures } };
}

/** Berth's cold apply throughput against the ceiling: the row bench/run.ts adds when both ran. */
export function ceilingRow(berthObjectsPerSecond: number, berthSize: string, ceiling: { requestsPerSecond: number; concurrency: number }): BenchRow {
  return {
    workload: 'apply throughput, as a fraction of the API server\'s ceiling',
    size: berthSize,
    berth: { value: berthObjectsPerSecond, unit: 'objects/s' },
    peer: `raw SSA PATCH ceiling (concurrency ${ceiling.concurrency})`,
    peerFigure: { value: ceiling.requestsPerSecond, unit: 'req/s' },
    ratio: berthObjectsPerSecond / ceiling.requestsPerSecond,
    notes: 'Berth: cold apply of bench/apply.ts (Deployments, Services, ConfigMaps; dry runs and reads included); ceiling: ConfigMaps only',
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      objects: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '32,64' },
      runs: { type: 'string', default: '3' },
      kubeconfig: { type: 'string' },
      json: { type: 'string' },
    },
  });
  emitResult(await runApiServerLimitBench({
    objects: Number.parseInt(values.objects, 10),
    concurrencies: values.concurrency.split(',').map((n) => Number.parseInt(n, 10)),
    runs: Number.parseInt(values.runs, 10),
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
  }), values.json);
}
