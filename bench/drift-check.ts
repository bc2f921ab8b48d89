/**
 * Drift check benchmark: Berth's `checkDrift` (sync/drift-check.ts) against
 * `kubectl diff --server-side` on the same application, in the same run, on the local
 * control plane.
 *
 * An application of N objects (a quarter Deployments scaled to 0 or 1, a quarter
 * Services, half ConfigMaps) is written one file per object into a folder and applied
 * into a fresh namespace with Berth's cluster client. After the rollouts settle, runs
 * alternate which side goes first (A,B then B,A, ...), after one untimed warm-up of each:
 *   A  Berth: a new REST client (new TLS connections, empty discovery cache), then
 *      checkDrift of every object, as a freshly started process would; "warm" is a second
 *      check on the same client right after, as the long-running controller does it.
 *   B  kubectl diff --server-side --force-conflicts --field-manager=berth -f DIR
 *      (the same operation: a forced server-side apply dry run as Berth, per object).
 * Prints the median of each side and the ratio Berth / kubectl, as a Markdown table,
 * and writes the figures as JSON with --out.
 *
 *   src/bin/node bench/drift-check.ts [--objects 1000] [--runs 3] [--concurrency 16]
 *     [--max-sockets 32] [--list-threshold 8 | --no-list] [--kubectl-concurrency N]
 *     [--kubeconfig FILE] [--out FILE] [--json FILE]
 *
 * Berth reads live objects with one list per kind and namespace where 8 or more are
 * desired (`lister` in checkDrift); --no-list makes it get each object, as kubectl does.
 *
 * Without --kubeconfig it starts its own control plane and stops it at the end.
 * `runDriftCheckBench(options)` does the same in-process and returns the rows.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { dump } from 'js-yaml';
import type { KubeObject } from '../objects.ts';
import { createClusterClient } from '../src/kube/cluster-client.ts';
import { createDiscovery } from '../src/kube/discovery.ts';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import { createRestClient } from '../src/kube/rest.ts';
import { checkDrift, type DriftCheckResult } from '../sync/drift-check.ts';
import { mapBounded } from '../sync/wait.ts';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.ts';
import { emitResult } from './bench-io.ts';
import { comparedRow, median, type BenchResult } from './report.ts';

export interface DriftCheckBenchOptions {
  objects: number;
  runs: number;
  concurrency: number;
  maxSockets: number;
  listThreshold: number;
  useLists: boolean;
  kubectlConcurrency?: string;
  /** A running cluster to use; without it a private control plane is started and stopped. */
  kubeconfig?: string;
  /** Also write the detailed figures here. */
  out?: string;
}

const log = (line: string): void => { process.stderr.write(`[bench] ${line}\n`); };

function application(namespace: string, count: number): KubeObject[] {
  return Array.from({ length: count }, (_, i): KubeObject => {
    const name = `app-${String(i).padStart(4, '0')}`;
    const labels = { app: name, 'app.kubernetes.io/part-of': 'bench' };
    if (i % 4 === 0) {
      return {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, labels },
        spec: {
          replicas: i % 8 === 0 ? 1 : 0,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels },
            spec: {
              containers: [{
                name: 'web', image: `registry.example.com/${name}:1.${i % 10}`,
                ports: [{ name: 'http', containerPort: 8080 }],
                env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'INDEX', value: String(i) }],
                resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '0.5', memory: '128Mi' } },
              }],
            },
          },
        },
      };
    }
    if (i % 4 === 1) {
      return {
        apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, labels },
        spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
      };
    }
    return {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels },
      data: Object.fromEntries(Array.from({ length: 5 }, (_, k) => [`key-${k}`, `value ${k} of ${name} ${'x'.repeat(40)}`])),
    };
  });
}

async function berthCheck(opts: DriftCheckBenchOptions, kubeconfig: string, desired: KubeObject[]): Promise<{ coldMs: number; warmMs: number; result: DriftCheckResult }> {
  const started = performance.now();
  const rest = await createRestClient(loadKubeConfig({ kubeconfig }), { maxSockets: opts.maxSockets });
  try {
    const client = createClusterClient(rest, createDiscovery(rest));
    const options = { concurrency: opts.concurrency, lister: opts.useLists ? client : undefined, listThreshold: opts.listThreshold };
    const result = await checkDrift(client, desired, options);
    const coldMs = performance.now() - started;
    const warm = await checkDrift(client, desired, options);
    return { coldMs, warmMs: warm.timings.totalMs, result };
  } finally {
    rest.close();
  }
}

async function kubectlDiff(opts: DriftCheckBenchOptions, kubeconfig: string, dir: string): Promise<{ ms: number; exitCode: number; output: string }> {
  const args = ['diff', '--server-side', '--force-conflicts', '--field-manager=berth', '-f', dir];
  if (opts.kubectlConcurrency) args.push(`--concurrency=${opts.kubectlConcurrency}`);
  const started = performance.now();
  const child = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => { resolve(code ?? -1); });
  });
  const ms = performance.now() - started;
  // 0: no differences, 1: differences found, anything else: kubectl failed.
  if (exitCode > 1) throw new Error(`kubectl diff exited ${exitCode}: ${output.slice(0, 2000)}`);
  return { ms, exitCode, output };
}

async function waitForRollouts(kubeconfig: string, namespace: string, expectedReady: number): Promise<void> {
  const rest = await createRestClient(loadKubeConfig({ kubeconfig }));
  const client = createClusterClient(rest, createDiscovery(rest));
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const deployments = await client.list('apps/v1', 'Deployment', { namespace });
      const ready = deployments.filter((d) => (d.status as { readyReplicas?: number } | undefined)?.readyReplicas === 1).length;
      if (ready >= expectedReady) return;
      if (Date.now() > deadline) throw new Error(`only ${ready} of ${expectedReady} Deployments became ready`);
      await sleep(1000);
    }
  } finally {
    rest.close();
  }
}

export async function runDriftCheckBench(opts: DriftCheckBenchOptions): Promise<BenchResult> {
  const { objects: objectCount, runs, concurrency, maxSockets, listThreshold, useLists } = opts;
  let plane: ControlPlane | undefined;
  let cleanUp = (): Promise<void> => Promise.resolve();
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-drift-'));
  try {
    let kubeconfig = opts.kubeconfig;
    if (!kubeconfig) {
      log('starting a control plane');
      plane = await startControlPlane({ log });
      kubeconfig = plane.kubeconfigPath;
    }
    const namespace = `bench-drift-${Date.now().toString(36)}`;
    const desired = application(namespace, objectCount);
    for (const object of desired) writeFileSync(join(dir, `${object.kind.toLowerCase()}-${object.metadata.name ?? ''}.yaml`), dump(object));

    const rest = await createRestClient(loadKubeConfig({ kubeconfig }), { maxSockets });
    const client = createClusterClient(rest, createDiscovery(rest));
    const namespaceObject: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
    await client.apply(namespaceObject, { dryRun: false, forceConflicts: true });
    const cluster = kubeconfig;
    cleanUp = async () => {
      const admin = await createRestClient(loadKubeConfig({ kubeconfig: cluster }));
      await admin.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
      admin.close();
    };
    const applyStarted = performance.now();
    await mapBounded(desired, concurrency, (object) => client.apply(object, { dryRun: false, forceConflicts: true }));
    log(`applied ${desired.length} objects into ${namespace} in ${((performance.now() - applyStarted) / 1000).toFixed(1)} s`);
    rest.close();
    const scaledToOne = desired.filter((object) => object.kind === 'Deployment' && (object.spec as { replicas: number }).replicas === 1).length;
    await waitForRollouts(kubeconfig, namespace, scaledToOne);
    await sleep(3000);

    log('warm-up: one untimed run of each');
    const warmUp = await berthCheck(opts, kubeconfig, desired);
    const kubectlWarmUp = await kubectlDiff(opts, kubeconfig, dir);
    log(`Berth: ${warmUp.result.status}, ${JSON.stringify(warmUp.result.counts)}; kubectl diff exit ${kubectlWarmUp.exitCode}`);
    if (warmUp.result.status !== 'Synced') log(`Berth reports drift on a freshly applied application:\n${warmUp.result.objects.filter((o) => o.status !== 'Synced').slice(0, 3).map((o) => o.diff).join('\n')}`);
    if (kubectlWarmUp.exitCode !== 0) log(`kubectl diff reports differences (${kubectlWarmUp.output.split('\n').length} lines), e.g.:\n${kubectlWarmUp.output.slice(0, 1500)}`);

    const berth = { coldMs: [] as number[], warmMs: [] as number[], clusterMs: [] as number[], diffMs: [] as number[], retries: [] as number[] };
    const kubectl = { ms: [] as number[], exitCodes: [] as number[] };
    const order: string[] = [];
    const runBerth = async (): Promise<void> => {
      const { coldMs, warmMs, result } = await berthCheck(opts, kubeconfig, desired);
      if (result.objects.length !== desired.length) throw new Error(`checkDrift returned ${result.objects.length} objects`);
      berth.coldMs.push(coldMs);
      berth.warmMs.push(warmMs);
      berth.clusterMs.push(result.timings.clusterMs);
      berth.diffMs.push(result.timings.diffMs);
      berth.retries.push(result.timings.retries);
      order.push('A');
      log(`A Berth ${coldMs.toFixed(0)} ms (warm ${warmMs.toFixed(0)} ms, ${result.status})`);
    };
    const runKubectl = async (): Promise<void> => {
      const { ms, exitCode } = await kubectlDiff(opts, kubeconfig, dir);
      kubectl.ms.push(ms);
      kubectl.exitCodes.push(exitCode);
      order.push('B');
      log(`B kubectl ${ms.toFixed(0)} ms (exit ${exitCode})`);
    };
    for (let round = 0; round < runs; round++) {
      if (round % 2 === 0) { await runBerth(); await runKubectl(); } else { await runKubectl(); await runBerth(); }
    }

    const figures = {
      objects: objectCount, runs, concurrency, maxSockets, lists: useLists ? `kinds with ${listThreshold}+ objects` : 'off', kubectlConcurrency: opts.kubectlConcurrency ?? 'default (1)', order: order.join(','),
      berthStatus: warmUp.result.status, berthCounts: warmUp.result.counts, kubectlExitCode: kubectlWarmUp.exitCode,
      berthMedianMs: median(berth.coldMs), berthWarmMedianMs: median(berth.warmMs), kubectlMedianMs: median(kubectl.ms),
      ratio: median(berth.coldMs) / median(kubectl.ms), ratioWarm: median(berth.warmMs) / median(kubectl.ms),
      berthClusterMedianMs: median(berth.clusterMs), berthDiffMedianMs: median(berth.diffMs),
      samples: { berth, kubectl },
    };
    const ms = (value: number): string => `${value.toFixed(0)} ms`;
    process.stdout.write(`\nDrift check of ${objectCount} objects (${runs} runs each, alternating ${figures.order}), Node ${process.version}\n\n`);
    process.stdout.write('| | median | runs | objects/s | Berth / kubectl |\n| --- | ---: | --- | ---: | ---: |\n');
    process.stdout.write(`| Berth checkDrift, new client (concurrency ${concurrency}, maxSockets ${maxSockets}, lists ${useLists ? 'on' : 'off'}) | ${ms(figures.berthMedianMs)} | ${berth.coldMs.map(ms).join(', ')} | ${(objectCount / figures.berthMedianMs * 1000).toFixed(0)} | ${figures.ratio.toFixed(2)} |\n`);
    process.stdout.write(`| Berth checkDrift, warm client | ${ms(figures.berthWarmMedianMs)} | ${berth.warmMs.map(ms).join(', ')} | ${(objectCount / figures.berthWarmMedianMs * 1000).toFixed(0)} | ${figures.ratioWarm.toFixed(2)} |\n`);
    process.stdout.write(`| kubectl diff --server-side (concurrency ${figures.kubectlConcurrency}) | ${ms(figures.kubectlMedianMs)} | ${kubectl.ms.map(ms).join(', ')} | ${(objectCount / figures.kubectlMedianMs * 1000).toFixed(0)} | 1.00 |\n`);
    process.stdout.write(`\nBerth: ${figures.berthStatus} ${JSON.stringify(figures.berthCounts)}; cluster reads ${ms(figures.berthClusterMedianMs)}, diff ${ms(figures.berthDiffMedianMs)} (medians); kubectl diff exit code ${figures.kubectlExitCode} (0: no differences).\n`);
    if (opts.out) writeFileSync(opts.out, `${JSON.stringify(figures, null, 2)}\n`);
    const size = `${objectCount.toLocaleString('en-US')} objects`;
    const peer = 'kubectl diff --server-side';
    const notes = `median of ${runs} alternating runs; Berth ${figures.berthStatus}, kubectl exit ${figures.kubectlExitCode}`;
    return {
      bench: 'drift-check',
      rows: [
        comparedRow({ workload: 'drift check of an application, new client', size, peer, unit: 'ms', notes }, berth.coldMs, kubectl.ms),
        comparedRow({ workload: 'drift check of an application, warm client (the controller)', size, peer, unit: 'ms', notes }, berth.warmMs, kubectl.ms),
      ],
      details: figures,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (plane) {
      log('stopping the control plane');
      await plane.stop();
    } else {
      await cleanUp();
    }
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      objects: { type: 'string', default: '1000' },
      runs: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '16' },
      'max-sockets': { type: 'string', default: '32' },
      'kubectl-concurrency': { type: 'string' },
      'list-threshold': { type: 'string', default: '8' },
      'no-list': { type: 'boolean', default: false },
      kubeconfig: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
    },
  });
  emitResult(await runDriftCheckBench({
    objects: Number.parseInt(values.objects, 10), runs: Number.parseInt(values.runs, 10),
    concurrency: Number.parseInt(values.concurrency, 10), maxSockets: Number.parseInt(values['max-sockets'], 10),
    listThreshold: Number.parseInt(values['list-threshold'], 10), useLists: !values['no-list'],
    ...(values['kubectl-concurrency'] ? { kubectlConcurrency: values['kubectl-concurrency'] } : {}),
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}), ...(values.out ? { out: values.out } : {}),
  }), values.json);
}
