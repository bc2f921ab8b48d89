/**
 * Webhook benchmark (issue 7): a real `berth controller` process with N
 * Applications registered from a file (default 1,000; each one ConfigMap, so
 * the start-up convergence that precedes the measurements stays short), three
 * repositories on a loopback smart-HTTP Git server (test/harness/git-repositories.ts):
 *   target: one Application, whose ConfigMap carries the commit number;
 *   storm:  --storm-apps Applications;
 *   fleet:  every other Application.
 * Every Application polls once an hour, so only webhooks move anything. The
 * deliveries use the `generic` provider (webhooks/generic.ts), signed with
 * BERTH_WEBHOOK_SECRET; the controller's per-address rate limit is turned off
 * (BERTH_WEBHOOK_RATE_LIMIT=0) because all of them come from 127.0.0.1.
 * After every Application converged and the queue is idle:
 *   (a) webhook to 202: --requests deliveries for `target`, one at a time, each
 *       with its own delivery id; the time from sending the request to having
 *       read the response; p50 and p99.
 *   (b) webhook to first apply: --commits times, a commit changes target's
 *       ConfigMap, is pushed, and its delivery is sent. The apply is seen from
 *       the API server's side: a watch on that ConfigMap reports the first
 *       MODIFIED event whose data carries the new commit number (Berth's dry
 *       run writes nothing, so that event is its apply). The figure is from
 *       sending the webhook to receiving that event, so it includes the watch's
 *       delivery delay (milliseconds on loopback); managedFields times are
 *       whole seconds, too coarse. The queue is let go idle between commits.
 *       p50 and p95.
 *   (c) storm: --storm-deliveries deliveries for `storm` in --storm-seconds,
 *       evenly spaced, distinct delivery ids, naming --storm-commits distinct
 *       commits (each pushed just before its share of deliveries, as a Git
 *       host does). Counted after the queue went idle: pack downloads of
 *       storm.git at the Git server (POST git-upload-pack; Berth fetches with
 *       protocol v1, one such request per fetch; target: at most one per
 *       distinct commit) and, from the controller's debug log in file order,
 *       the most reconciles of one Application in progress at once ('reconcile
 *       started' to 'reconciled' or 'reconcile failed'; target: never 2).
 *
 *   src/bin/node bench/webhook.ts [--apps 1000] [--requests 200] [--commits 20]
 *     [--storm-deliveries 1000] [--storm-seconds 10] [--storm-commits 5] [--storm-apps 10]
 *     [--concurrency 16] [--timeout-seconds 900] [--kubeconfig FILE --redis-url URL]
 *     [--keep-log FILE] [--json FILE]
 *
 * Without --kubeconfig it starts its own control plane and stops it at the end;
 * with one (and --redis-url) it uses its own namespaces and queue prefix, and
 * deletes the namespaces at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { dump } from 'js-yaml';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import { createRestClient, type RestClient } from '../src/kube/rest.ts';
import { jobCountsByState } from '../src/queue/job-counts.ts';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.ts';
import { freePort } from '../test/harness/ports.ts';
import { commitFiles, createRepository, startGitServer, type GitServer, type TestRepository } from '../test/harness/git-repositories.ts';
import { emitResult } from './bench-io.ts';
import { ControllerLog } from './controller-log.ts';
import { percentile, type BenchResult, type BenchRow } from './report.ts';
import { genericDelivery, gitRequestsOf, highest, reconcileOverlap, type ReconcileLogEntry } from './webhook-measures.ts';

export interface WebhookBenchOptions {
  apps: number;
  requests: number;
  commits: number;
  stormDeliveries: number;
  stormSeconds: number;
  stormCommits: number;
  stormApps: number;
  concurrency: number;
  timeoutSeconds: number;
  /** A running cluster and Redis to use; without them a private control plane is started and stopped. */
  kubeconfig?: string;
  redisUrl?: string;
  keepLog?: string;
  log?: (line: string) => void;
}

const root = resolve(import.meta.dirname, '..');
const destinationNamespaces = 10;

const configMapYaml = (name: string, revision: number): string =>
  dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { 'app.kubernetes.io/part-of': 'berth-bench-webhook' } }, data: { revision: String(revision) } });

interface Layout {
  runId: string;
  appsNamespace: string;
  destinations: string[];
  /** Application name -> repository name and destination. */
  apps: { name: string; repository: 'target' | 'storm' | 'fleet'; path: string; destination: string }[];
}

function layoutOf(options: WebhookBenchOptions): Layout {
  const runId = Date.now().toString(36);
  const destinations = Array.from({ length: destinationNamespaces }, (_, i) => `bench-wh-${runId}-${i}`);
  const apps: Layout['apps'] = [{ name: 'target', repository: 'target', path: 'app', destination: destinations[0] ?? '' }];
  for (let i = 0; i < options.stormApps; i++) apps.push({ name: `storm-${i}`, repository: 'storm', path: `apps/storm-${i}`, destination: destinations[1 % destinationNamespaces] ?? '' });
  for (let i = apps.length; i < options.apps; i++) {
    apps.push({ name: `fleet-${String(i).padStart(4, '0')}`, repository: 'fleet', path: `apps/fleet-${i}`, destination: destinations[i % destinationNamespaces] ?? '' });
  }
  return { runId, appsNamespace: `berth-bench-wh-${runId}`, destinations, apps };
}

function applicationsFile(layout: Layout, git: GitServer): string {
  return dump({
    apiVersion: 'v1', kind: 'List',
    items: layout.apps.map((app) => ({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application',
      metadata: { name: app.name, namespace: layout.appsNamespace },
      spec: {
        source: { repoURL: git.url(app.repository), targetRevision: 'main', path: app.path },
        destination: { namespace: app.destination },
        syncPolicy: { automated: { prune: true, selfHeal: true }, pollInterval: '1h' },
      },
    })),
  });
}

/** Files of one repository at commit number `revision`. */
function repositoryFiles(layout: Layout, repository: Layout['apps'][number]['repository'], revision: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (const app of layout.apps) if (app.repository === repository) files[`${app.path}/configmap.yaml`] = configMapYaml(app.name, revision);
  return files;
}

interface Running {
  plane?: ControlPlane;
  git?: GitServer;
  child?: ChildProcess;
  queue?: Queue;
  redis?: Redis;
  rest?: RestClient;
  controllerLog?: ControllerLog;
  watchAbort?: AbortController;
}

async function idleQueue(queue: Queue, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let idleSince: number | undefined;
  for (;;) {
    const counts = await jobCountsByState(queue);
    const busy = counts.waiting + counts.active + counts.prioritized;
    if (busy === 0) {
      idleSince ??= Date.now();
      // Idle twice in a row, 200 ms apart: a job between two BullMQ states is not mistaken for none.
      if (Date.now() - idleSince >= 200) return;
    } else {
      idleSince = undefined;
    }
    if (Date.now() > deadline) throw new Error(`the queue is still busy after ${timeoutMs / 1000} s: ${JSON.stringify(counts)}`);
    await sleep(50);
  }
}

export async function runWebhookBench(options: WebhookBenchOptions): Promise<BenchResult> {
  const log = options.log ?? ((line: string) => { process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`); });
  if (options.kubeconfig !== undefined && options.redisUrl === undefined) throw new Error('--kubeconfig needs --redis-url too');
  const running: Running = {};
  const killChild = (): void => { running.child?.kill('SIGKILL'); };
  process.once('exit', killChild);
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-webhook-'));
  const layout = layoutOf(options);
  try {
    return await measure(options, layout, dir, running, log);
  } finally {
    if (running.child && running.child.exitCode === null && running.child.signalCode === null) {
      const exited = new Promise<void>((done) => running.child?.once('exit', () => { done(); }));
      running.child.kill('SIGTERM');
      const timer = setTimeout(killChild, 20_000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', killChild);
    running.watchAbort?.abort();
    running.controllerLog?.close();
    await running.queue?.close();
    running.redis?.disconnect();
    if (running.rest && !running.plane) {
      for (const name of [layout.appsNamespace, ...layout.destinations]) await running.rest.request('DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined);
    }
    running.rest?.close();
    await running.git?.close();
    if (options.keepLog) copyFileSync(join(dir, 'controller.log'), options.keepLog);
    rmSync(dir, { recursive: true, force: true });
    if (running.plane) {
      log('stopping the control plane');
      await running.plane.stop();
    }
  }
}

async function measure(options: WebhookBenchOptions, layout: Layout, dir: string, running: Running, log: (line: string) => void): Promise<BenchResult> {
  let kubeconfig = options.kubeconfig;
  let redisUrl = options.redisUrl;
  if (kubeconfig === undefined || redisUrl === undefined) {
    log('starting a control plane');
    running.plane = await startControlPlane({ log });
    kubeconfig = running.plane.kubeconfigPath;
    redisUrl = running.plane.redisUrl;
  }
  const rest = await createRestClient(loadKubeConfig({ kubeconfig }));
  running.rest = rest;
  for (const name of [layout.appsNamespace, ...layout.destinations]) {
    await rest.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  }

  const repositories: Record<string, TestRepository> = {};
  const heads: Record<string, string> = {};
  for (const name of ['target', 'storm', 'fleet'] as const) {
    repositories[name] = await createRepository(dir, name);
    heads[name] = await commitFiles(repositories[name], repositoryFiles(layout, name, 0), 'initial');
  }
  const git = await startGitServer(dir);
  running.git = git;
  const appsFile = join(dir, 'applications.yaml');
  writeFileSync(appsFile, applicationsFile(layout, git));

  const secret = randomBytes(24).toString('hex');
  const port = await freePort();
  const queuePrefix = `berth-bench-wh-${layout.runId}`;
  const logFile = join(dir, 'controller.log');
  const out = openSync(logFile, 'a');
  const started = performance.now();
  running.child = spawn(join(root, 'src/bin/node'), [
    join(root, 'src/cli/main.ts'), 'controller',
    '--kubeconfig', kubeconfig, '--redis-url', redisUrl, '--apps', appsFile,
    '--queue-prefix', queuePrefix, '--cache-dir', join(dir, 'cache'), '--listen', `127.0.0.1:${port}`,
    '--watch-cluster', 'false', '--allow-http-repos', 'true', '--concurrency', String(options.concurrency), '--shutdown-timeout', '10000',
    // 'reconcile started' is a debug line, and (c) needs it.
    '--log-level', 'debug',
  ], { stdio: ['ignore', out, out], env: { ...process.env, BERTH_WEBHOOK_SECRET: secret, BERTH_WEBHOOK_RATE_LIMIT: '0' } });
  closeSync(out);
  const child = running.child;
  const controllerLog = new ControllerLog(logFile);
  running.controllerLog = controllerLog;
  running.redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('reconcile', { connection: running.redis, prefix: queuePrefix });
  running.queue = queue;

  log(`${layout.apps.length} Applications (target 1, storm ${options.stormApps}, fleet ${layout.apps.length - 1 - options.stormApps}); waiting for all to converge`);
  const timeoutMs = options.timeoutSeconds * 1000;
  let nextReport = performance.now() + 10_000;
  for (;;) {
    controllerLog.update();
    if (controllerLog.converged() >= layout.apps.length) break;
    if (child.exitCode !== null) throw new Error(`the controller exited with code ${String(child.exitCode)}: ${controllerLog.problems.join('\n')}`);
    // A reconcile that failed for good leaves its Application unconverged until the next poll, an hour away.
    if (controllerLog.errors > 0) throw new Error(`the controller logged errors before converging:\n${controllerLog.problems.join('\n')}`);
    if (performance.now() - started > timeoutMs) throw new Error(`not converged in ${options.timeoutSeconds} s: ${JSON.stringify(controllerLog.outcomeCounts())}\n${controllerLog.problems.join('\n')}`);
    if (performance.now() > nextReport) {
      nextReport += 10_000;
      log(`converged ${controllerLog.converged()}/${layout.apps.length}`);
    }
    await sleep(250);
  }
  const convergeSeconds = (performance.now() - started) / 1000;
  await idleQueue(queue, 120_000);
  log(`converged in ${convergeSeconds.toFixed(1)} s; queue idle`);
  const endpoint = `http://127.0.0.1:${port}/api/v1/webhooks/generic`;
  let deliveries = 0;
  const deliver = async (repository: string, after: string): Promise<number> => {
    const delivery = genericDelivery({ secret, repository: git.url(repository), after, deliveryId: `bench-${layout.runId}-${++deliveries}` });
    const response = await fetch(endpoint, { method: 'POST', headers: delivery.headers, body: delivery.body });
    await response.text();
    return response.status;
  };

  // (a) webhook to 202, one request at a time.
  const acceptMs: number[] = [];
  for (let i = 0; i < options.requests; i++) {
    const sent = performance.now();
    const status = await deliver('target', heads.target ?? '');
    acceptMs.push(performance.now() - sent);
    if (status !== 202) throw new Error(`webhook delivery ${i + 1} answered ${status}, not 202`);
  }
  log(`(a) ${options.requests} deliveries: p50 ${percentile(acceptMs, 0.5).toFixed(1)} ms, p99 ${percentile(acceptMs, 0.99).toFixed(1)} ms`);
  await idleQueue(queue, 120_000);

  // (b) webhook to first apply, seen through a watch on target's ConfigMap.
  const firstSeen = new Map<string, number>();
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const target = layout.apps[0];
  running.watchAbort = await new Watch(kc).watch(`/api/v1/namespaces/${target?.destination ?? ''}/configmaps`, { fieldSelector: 'metadata.name=target' },
    (_phase: string, object: { data?: Record<string, string> }) => {
      const revision = object.data?.revision;
      if (revision !== undefined && !firstSeen.has(revision)) firstSeen.set(revision, performance.now());
    },
    (error: unknown) => {
      if (error && (error as { name?: string }).name !== 'AbortError') log(`watch ended: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
    });
  const applyMs: number[] = [];
  for (let k = 1; k <= options.commits; k++) {
    const commit = await commitFiles(repositories.target as TestRepository, repositoryFiles(layout, 'target', k), `target ${k}`);
    const sent = performance.now();
    const status = await deliver('target', commit);
    if (status !== 202) throw new Error(`webhook for commit ${k} answered ${status}`);
    const deadline = sent + 120_000;
    while (!firstSeen.has(String(k))) {
      if (performance.now() > deadline) throw new Error(`commit ${k} was not applied within 120 s`);
      await sleep(2);
    }
    applyMs.push((firstSeen.get(String(k)) ?? 0) - sent);
    await idleQueue(queue, 120_000);
  }
  running.watchAbort.abort();
  log(`(b) ${options.commits} commits: webhook to first apply p50 ${percentile(applyMs, 0.5).toFixed(0)} ms, p95 ${percentile(applyMs, 0.95).toFixed(0)} ms`);

  // (c) storm: evenly spaced deliveries, a new commit pushed before each share.
  const gitRequestsBefore = git.requests.length;
  const logSoFar = readFileSync(logFile, 'utf8');
  const logOffset = logSoFar.lastIndexOf('\n') + 1;
  const perCommit = Math.ceil(options.stormDeliveries / options.stormCommits);
  const spacingMs = (options.stormSeconds * 1000) / options.stormDeliveries;
  const statuses = new Map<number, number>();
  const pending: Promise<void>[] = [];
  const stormStarted = performance.now();
  let commit = heads.storm ?? '';
  for (let i = 0; i < options.stormDeliveries; i++) {
    if (i % perCommit === 0) commit = await commitFiles(repositories.storm as TestRepository, repositoryFiles(layout, 'storm', 1 + i / perCommit), `storm ${i / perCommit}`);
    const due = stormStarted + i * spacingMs - performance.now();
    if (due > 0) await sleep(due);
    pending.push(deliver('storm', commit).then(
      (status) => { statuses.set(status, (statuses.get(status) ?? 0) + 1); },
      () => { statuses.set(0, (statuses.get(0) ?? 0) + 1); },
    ));
  }
  await Promise.all(pending);
  const stormSpanSeconds = (performance.now() - stormStarted) / 1000;
  await idleQueue(queue, 300_000);
  const stormGit = gitRequestsOf(git.requests.slice(gitRequestsBefore), 'storm');
  const stormKeys = new Set(layout.apps.filter((app) => app.repository === 'storm').map((app) => `${layout.appsNamespace}/${app.name}`));
  const entries = readFileSync(logFile, 'utf8').slice(logOffset).split('\n')
    .filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as ReconcileLogEntry);
  const overlap = reconcileOverlap(entries, stormKeys);
  const mostConcurrent = highest(overlap.maxConcurrent.values());
  const reconcileRuns = [...overlap.started.values()].reduce((sum, n) => sum + n, 0);
  log(`(c) ${options.stormDeliveries} deliveries in ${stormSpanSeconds.toFixed(1)} s, answers ${JSON.stringify(Object.fromEntries(statuses))}; `
    + `pack downloads ${stormGit.fetches}, ref listings ${stormGit.refListings}; reconciles ${reconcileRuns}, most at once for one Application ${mostConcurrent}`);
  if (child.exitCode !== null) throw new Error(`the controller exited during the measurements: ${controllerLog.problems.join('\n')}`);

  const registered = `${layout.apps.length.toLocaleString('en-US')} Applications registered`;
  const stormSize = `${options.stormDeliveries.toLocaleString('en-US')} deliveries in ${options.stormSeconds} s, ${options.stormCommits} commits, ${options.stormApps} Applications`;
  const rows: BenchRow[] = [
    { workload: 'webhook to 202, p50', size: `${registered}; ${options.requests} requests`, berth: { value: percentile(acceptMs, 0.5), unit: 'ms' }, notes: 'one request at a time, generic provider, HMAC verified' },
    { workload: 'webhook to 202, p99', size: `${registered}; ${options.requests} requests`, berth: { value: percentile(acceptMs, 0.99), unit: 'ms' } },
    { workload: 'webhook to first apply, p50', size: `${registered}; ${options.commits} commits`, berth: { value: percentile(applyMs, 0.5), unit: 'ms' }, notes: 'sent to the watch event of the applied ConfigMap' },
    { workload: 'webhook to first apply, p95', size: `${registered}; ${options.commits} commits`, berth: { value: percentile(applyMs, 0.95), unit: 'ms' } },
    { workload: 'webhook storm: fetches (pack downloads)', size: stormSize, berth: { value: stormGit.fetches, unit: 'fetches' },
      notes: `target: at most ${options.stormCommits} (one per distinct commit); ref listings ${stormGit.refListings}; answers ${JSON.stringify(Object.fromEntries(statuses))}` },
    { workload: 'webhook storm: most reconciles of one Application at once', size: stormSize, berth: { value: mostConcurrent, unit: 'reconciles' },
      notes: `target: 1; ${reconcileRuns} reconciles in all for ${options.stormApps} Applications` },
  ];
  return {
    bench: 'webhook', rows,
    details: {
      apps: layout.apps.length, convergeSeconds, acceptMs, applyMs,
      storm: { deliveries: options.stormDeliveries, seconds: stormSpanSeconds, commits: options.stormCommits, statuses: Object.fromEntries(statuses), ...stormGit, reconcileRuns, started: Object.fromEntries(overlap.started), mostConcurrent },
      warnings: controllerLog.warnings, errors: controllerLog.errors,
    },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      apps: { type: 'string', default: '1000' },
      requests: { type: 'string', default: '200' },
      commits: { type: 'string', default: '20' },
      'storm-deliveries': { type: 'string', default: '1000' },
      'storm-seconds': { type: 'string', default: '10' },
      'storm-commits': { type: 'string', default: '5' },
      'storm-apps': { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '16' },
      'timeout-seconds': { type: 'string', default: '900' },
      kubeconfig: { type: 'string' },
      'redis-url': { type: 'string' },
      'keep-log': { type: 'string' },
      json: { type: 'string' },
    },
  });
  const number = (text: string): number => Number.parseInt(text, 10);
  emitResult(await runWebhookBench({
    apps: number(values.apps), requests: number(values.requests), commits: number(values.commits),
    stormDeliveries: number(values['storm-deliveries']), stormSeconds: number(values['storm-seconds']),
    stormCommits: number(values['storm-commits']), stormApps: number(values['storm-apps']),
    concurrency: number(values.concurrency), timeoutSeconds: number(values['timeout-seconds']),
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    ...(values['redis-url'] ? { redisUrl: values['redis-url'] } : {}),
    ...(values['keep-log'] ? { keepLog: values['keep-log'] } : {}),
  }), values.json);
}
