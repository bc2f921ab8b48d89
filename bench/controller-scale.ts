/**
 * Controller scale benchmark (issue 6): N Applications, each a Deployment scaled
 * to 0, a ServiceAccount, a Service and an Ingress (bench/scale-fixtures.ts, the
 * shape of Flux's published benchmark), reconciled by one `berth controller`
 * process from cold on a private local control plane.
 *
 *   src/bin/node bench/controller-scale.ts [--apps 1000] [--namespaces 20]
 *     [--concurrency 16] [--poll-interval 3m] [--steady-seconds 60]
 *     [--timeout-seconds 600] [--out FILE] [--keep-log FILE] [--json FILE]
 *
 * --json writes the rows `npm run bench` prints (bench/controller-scale-rows.ts).
 *
 * Measured:
 * - converge: from spawning the controller until the last `reconciled` log line
 *   of every Application says Healthy and Synced, then checked against the
 *   release ConfigMaps (`state.status === 'Healthy'`);
 * - peak RSS: VmRSS of the controller's node process, sampled every 250 ms
 *   (src/bin/berth execs node, so the child's pid is node's);
 * - steady state: for --steady-seconds once the queue is idle, the API server's
 *   write requests (bench/apiserver-writes.ts says how they are counted and
 *   attributed) and the controller's CPU seconds (utime + stime from /proc).
 * Everything runs on the same machine as the control plane, so the figures
 * include its contention; the bench stops everything it started, also on error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parseReleaseRecord } from '../sync/index.ts';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import { createRestClient, type RestClient } from '../src/kube/rest.ts';
import { jobCountsByState } from '../src/queue/job-counts.ts';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.ts';
import { commitFiles, createRepository, startGitServer, type GitServer } from '../test/harness/git-repositories.ts';
import { attributeWrites, countDelta, scrapeRequestCounts, total, writesOf, type RequestCounts } from './apiserver-writes.ts';
import { ControllerLog } from './controller-log.ts';
import { scaleResult } from './controller-scale-rows.ts';
import { cpuSnapshot, mib, processesIn, readCommand, readCpuSeconds, sampleRss, type RssSampler } from './process-stats.ts';
import { applicationsFile, destinationNamespaces, repositoryFiles, type ScaleLayout } from './scale-fixtures.ts';

const { values } = parseArgs({
  options: {
    apps: { type: 'string', default: '1000' },
    namespaces: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    'poll-interval': { type: 'string', default: '3m' },
    'steady-seconds': { type: 'string', default: '60' },
    'timeout-seconds': { type: 'string', default: '600' },
    out: { type: 'string' },
    'keep-log': { type: 'string' },
    json: { type: 'string' },
  },
});
const layout: ScaleLayout = { apps: Number(values.apps), namespaces: Number(values.namespaces), appsNamespace: 'berth-bench' };
const concurrency = Number(values.concurrency);
const steadySeconds = Number(values['steady-seconds']);
const timeoutMs = Number(values['timeout-seconds']) * 1000;
const queuePrefix = 'berth-bench';
const root = resolve(import.meta.dirname, '..');
const log = (line: string): void => { process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`); };

/** Flux's published figures for 1,000 Kustomizations (16-core runner); not measured here. */
const flux = { convergeSeconds: 253, peakRssMiB: 223 };
const targets = { convergeSeconds: 120, peakRssMiB: 300, steadyWrites: 0 };

async function createNamespaces(rest: RestClient, names: string[]): Promise<void> {
  for (const name of names) {
    await rest.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  }
}

function startController(kubeconfig: string, redisUrl: string, appsFile: string, dir: string): ChildProcess {
  const out = openSync(join(dir, 'controller.log'), 'a');
  // Through src/bin/berth, so the controller runs with the Node flags the command gives it.
  const child = spawn(join(root, 'src/bin/berth'), [
    'controller',
    '--kubeconfig', kubeconfig, '--redis-url', redisUrl, '--apps', appsFile,
    '--queue-prefix', queuePrefix, '--cache-dir', join(dir, 'cache'), '--listen', '127.0.0.1:0',
    '--watch-cluster', 'false', '--concurrency', String(concurrency), '--shutdown-timeout', '10000', '--log-level', 'info',
    // The bench's Git server speaks plain http on loopback.
    '--allow-http-repos', 'true',
  ], { stdio: ['ignore', out, out] });
  closeSync(out);
  return child;
}

async function stopController(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => { done(); }));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Release records that say Healthy: the controller's own persisted verdict, one list call. */
async function healthyReleases(rest: RestClient): Promise<number> {
  // In the controller's namespace (the default of --controller-namespace), one per Application of this layout.
  const { body } = await rest.request('GET', '/api/v1/namespaces/berth/configmaps', { query: { labelSelector: 'berth.dev/release-record=true' } });
  const items = (body as { items: { metadata: { annotations?: Record<string, string> }; data?: Record<string, string> }[] }).items;
  return items.filter((item) => {
    const text = item.data?.['release.json'];
    const namespace = item.metadata.annotations?.['berth.dev/application-namespace'];
    const name = item.metadata.annotations?.['berth.dev/application-name'];
    if (text === undefined || namespace !== layout.appsNamespace || name === undefined) return false;
    const parsed = parseReleaseRecord(text, { namespace, name });
    return parsed.ok && parsed.record.state.status === 'Healthy';
  }).length;
}

interface Watched { controllerLog: ControllerLog; rss: RssSampler; queue: Queue; pid: number; child: ChildProcess; planePids: Map<string, number> }

const cpuLine = (before: Map<string, number>, after: Map<string, number>): string =>
  [...after].map(([name, seconds]) => `${name} ${(seconds - (before.get(name) ?? 0)).toFixed(1)}s`).join(', ');

/** Waits until every Application converged; logs progress every 5 s; throws with the evidence on timeout. */
async function awaitConvergence(w: Watched, started: number, planeCpuAtStart: Map<string, number>): Promise<number> {
  let nextReport = started + 5_000;
  for (;;) {
    w.controllerLog.update();
    const now = performance.now();
    if (w.controllerLog.converged() >= layout.apps) return now - started;
    if (w.child.exitCode !== null) throw new Error(`the controller exited with code ${String(w.child.exitCode)}: ${w.controllerLog.problems.join('\n')}`);
    if (now >= nextReport) {
      nextReport += 5_000;
      const counts = await jobCountsByState(w.queue);
      log(`${((now - started) / 1000).toFixed(0)} s: converged ${w.controllerLog.converged()}/${layout.apps}, reconciles ${w.controllerLog.reconciles()}, ` +
        `queue waiting ${counts.waiting + counts.prioritized} active ${counts.active} delayed ${counts.delayed} failed ${counts.failed}, ` +
        `RSS ${mib(w.rss.last()).toFixed(0)} MiB (peak ${mib(w.rss.peak()).toFixed(0)}), CPU ${cpuLine(planeCpuAtStart, cpuSnapshot(w.planePids))}, ` +
        `controller ${(readCpuSeconds(w.pid) ?? 0).toFixed(1)}s, outcomes ${JSON.stringify(w.controllerLog.outcomeCounts())}`);
    }
    if (now - started > timeoutMs) {
      throw new Error(`not converged after ${values['timeout-seconds']} s: ${w.controllerLog.converged()}/${layout.apps}, ` +
        `outcomes ${JSON.stringify(w.controllerLog.outcomeCounts())}; first problems:\n${w.controllerLog.problems.join('\n')}`);
    }
    await sleep(250);
  }
}

/** Waits (up to 60 s) for no waiting or active reconcile job, so the steady window starts after the last one. */
async function awaitIdleQueue(queue: Queue): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const counts = await jobCountsByState(queue);
    if (counts.waiting + counts.active + counts.prioritized === 0) return;
    await sleep(500);
  }
  log('the queue is still busy after 60 s; measuring steady state anyway');
}

const table = (counts: RequestCounts): string => [...counts].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${key} ${n}`).join(', ') || 'none';

let plane: ControlPlane | undefined;
let git: GitServer | undefined;
let child: ChildProcess | undefined;
let queue: Queue | undefined;
let redis: Redis | undefined;
let rest: RestClient | undefined;
let controllerLog: ControllerLog | undefined;
const killChild = (): void => { child?.kill('SIGKILL'); };
process.once('exit', killChild);
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-scale-'));
try {
  log(`starting a control plane (${layout.apps} Applications, concurrency ${concurrency})`);
  plane = await startControlPlane({ nodes: 2, log });
  rest = await createRestClient(loadKubeConfig({ kubeconfig: plane.kubeconfigPath }));
  await createNamespaces(rest, [layout.appsNamespace, ...destinationNamespaces(layout)]);

  const repository = await createRepository(dir, 'fleet');
  const commit = await commitFiles(repository, repositoryFiles(layout), `${layout.apps} applications`);
  git = await startGitServer(dir);
  const appsFile = join(dir, 'applications.yaml');
  writeFileSync(appsFile, applicationsFile(layout, { repoURL: git.url('fleet'), pollInterval: values['poll-interval'] }));
  log(`repository at ${commit.slice(0, 7)} with ${layout.apps * 4} files; namespaces created`);

  const planePids = processesIn(plane.dir);
  redis = new Redis(plane.redisUrl, { maxRetriesPerRequest: null });
  queue = new Queue('reconcile', { connection: redis, prefix: queuePrefix });
  const requestsAtStart = await scrapeRequestCounts(plane.kubeconfigPath);
  const planeCpuAtStart = cpuSnapshot(planePids);

  const started = performance.now();
  child = startController(plane.kubeconfigPath, plane.redisUrl, appsFile, dir);
  const pid = child.pid ?? 0;
  controllerLog = new ControllerLog(join(dir, 'controller.log'));
  const rss = sampleRss(pid, 250);
  const watched: Watched = { controllerLog, rss, queue, pid, child, planePids };
  const convergeMs = await awaitConvergence(watched, started, planeCpuAtStart);
  const startupMs = (controllerLog.startedAt ?? started) - started;
  const convergeCpu = readCpuSeconds(pid) ?? 0;
  const planeCpuAtConverge = cpuSnapshot(planePids);
  const requestsToConverge = countDelta(requestsAtStart, await scrapeRequestCounts(plane.kubeconfigPath));
  const healthy = await healthyReleases(rest);
  log(`converged in ${(convergeMs / 1000).toFixed(1)} s (controller up after ${(startupMs / 1000).toFixed(1)} s, process ${readCommand(pid)}); ` +
    `release ConfigMaps Healthy: ${healthy}/${layout.apps}; peak RSS ${mib(rss.peak()).toFixed(0)} MiB; controller CPU ${convergeCpu.toFixed(1)} s`);
  log(`CPU during convergence: ${cpuLine(planeCpuAtStart, planeCpuAtConverge)}`);
  log(`API requests during convergence (all clients): ${table(requestsToConverge)}`);

  await awaitIdleQueue(queue);
  const reconcilesBefore = new Map(controllerLog.reconcilesByReason);
  const requestsBefore = await scrapeRequestCounts(plane.kubeconfigPath);
  const cpuBefore = readCpuSeconds(pid) ?? 0;
  const planeCpuBefore = cpuSnapshot(planePids);
  log(`steady state for ${steadySeconds} s`);
  await sleep(steadySeconds * 1000);
  const cpuAfter = readCpuSeconds(pid) ?? 0;
  const writes = attributeWrites(writesOf(countDelta(requestsBefore, await scrapeRequestCounts(plane.kubeconfigPath))));
  controllerLog.update();
  const steadyReconciles: Record<string, number> = {};
  for (const [reason, n] of controllerLog.reconcilesByReason) {
    const since = n - (reconcilesBefore.get(reason) ?? 0);
    if (since > 0) steadyReconciles[reason] = since;
  }
  log(`steady writes attributed to the controller: ${table(writes.controller)}; control plane's own: ${table(writes.background)}`);
  log(`steady reconciles by reason: ${JSON.stringify(steadyReconciles)}; CPU: ${cpuLine(planeCpuBefore, cpuSnapshot(planePids))}`);
  rss.stop();

  const figures = {
    apps: layout.apps, objects: layout.apps * 4, namespaces: layout.namespaces, concurrency, pollInterval: values['poll-interval'],
    node: process.version, cores: availableParallelism(),
    convergeSeconds: convergeMs / 1000, controllerStartupSeconds: startupMs / 1000, healthyReleaseRecords: healthy,
    peakRssMiB: mib(rss.peak()), controllerCpuSecondsToConverge: convergeCpu,
    reconcilesToConverge: Object.fromEntries(reconcilesBefore),
    requestsToConverge: { total: total(requestsToConverge), writes: total(writesOf(requestsToConverge)), byRequest: Object.fromEntries(requestsToConverge) },
    steady: {
      seconds: steadySeconds, controllerWrites: total(writes.controller), controllerWritesByRequest: Object.fromEntries(writes.controller),
      controlPlaneBackgroundWrites: Object.fromEntries(writes.background), controllerCpuSeconds: cpuAfter - cpuBefore, reconciles: steadyReconciles,
    },
    warnings: controllerLog.warnings, errors: controllerLog.errors,
    flux: { ...flux, note: 'published figures (1,000 Kustomizations, 16-core runner), not measured here' }, targets,
  };
  const yesNo = (ok: boolean): string => (ok ? 'yes' : 'no');
  const size = `${layout.apps} Applications × 4 objects`;
  process.stdout.write(`\nController scale, ${size} in ${layout.namespaces} namespaces, concurrency ${concurrency}, Node ${process.version}, ${figures.cores} cores shared with the control plane\n\n`);
  process.stdout.write('| workload | size | Berth | Flux (published, not measured here) | target | met? |\n| --- | --- | ---: | ---: | --- | --- |\n');
  process.stdout.write(`| converge from cold (all Healthy and Synced) | ${size} | ${figures.convergeSeconds.toFixed(1)} s | 4m13s (253 s) | ≤ 120 s | ${yesNo(figures.convergeSeconds <= targets.convergeSeconds)} |\n`);
  process.stdout.write(`| controller peak RSS | ${size} | ${figures.peakRssMiB.toFixed(0)} MiB | 223 MiB | < 300 MiB | ${yesNo(figures.peakRssMiB < targets.peakRssMiB)} |\n`);
  process.stdout.write(`| steady state: API write requests | ${steadySeconds} s, no change | ${figures.steady.controllerWrites} | n/a | 0 | ${yesNo(figures.steady.controllerWrites === targets.steadyWrites)} |\n`);
  process.stdout.write(`| steady state: controller CPU | ${steadySeconds} s, no change | ${figures.steady.controllerCpuSeconds.toFixed(2)} s (${(figures.steady.controllerCpuSeconds / steadySeconds * 100).toFixed(1)} % of a core) | n/a | - | - |\n`);
  process.stdout.write(`\nController CPU to converge ${convergeCpu.toFixed(1)} s; reconciles ${JSON.stringify(figures.reconcilesToConverge)}; steady reconciles ${JSON.stringify(steadyReconciles)}; warnings ${figures.warnings}, errors ${figures.errors}.\n`);
  if (values.out) writeFileSync(values.out, `${JSON.stringify(figures, null, 2)}\n`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify(scaleResult(figures), null, 2)}\n`);
} finally {
  if (child) await stopController(child);
  process.removeListener('exit', killChild);
  controllerLog?.close();
  await queue?.close();
  redis?.disconnect();
  rest?.close();
  await git?.close();
  if (values['keep-log']) copyFileSync(join(dir, 'controller.log'), values['keep-log']);
  rmSync(dir, { recursive: true, force: true });
  if (plane) {
    log('stopping the control plane');
    await plane.stop();
  }
}
