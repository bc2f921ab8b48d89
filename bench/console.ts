/**
 * Console benchmark, measured in Debian's Chromium (playwright-core): the first
 * render of the Applications list with N Applications and of one Application
 * with M objects, to interactive, and the requests each page view makes.
 *
 * The server is the controller's own HTTP app (src/server/app.ts: the console
 * routes, paging, the resource tree, static files with their CSP) over the
 * real registry (every Application parsed as the controller parses them) and
 * an in-memory status reader and summary index holding what reconciles would
 * have stored (the same shapes the Redis store holds). Live ReplicaSets and
 * Pods come from a stand-in of the live reader: three Pods per Deployment. No
 * cluster and no Redis, so the figures are the console's and the server's
 * answer, not the API server's.
 *
 * "Interactive": navigation start (performance.timeOrigin) until the view's
 * rows are in the DOM and the main thread has answered the next frame and a
 * task after it (so a click would be handled). Each figure is the median of
 * --runs cold loads (a fresh browser context: no cache, no session). Requests
 * are counted per page view: API requests (session, page data, event stream)
 * and all of them (index.html, script and stylesheet too, which are cached
 * `immutable` after the first view).
 *
 *   src/bin/node bench/console.ts [--apps 1000,10000] [--objects 1000,5000] [--runs 5] [--json FILE]
 */
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { ensureConsoleBuilt } from '../console/build.ts';
import { createAppRegistry, type AppRegistry } from '../src/application/app-registry.ts';
import type { ApplicationStatus, ResourceStatus } from '../src/application/index.ts';
import { createLogger } from '../src/log.ts';
import { createApp, type ServerDeps } from '../src/server/app.ts';
import { summarizeStatus, type AppSummary } from '../src/server/console/app-summary.ts';
import type { LiveNode, LiveReader } from '../src/server/console/live-reader.ts';
import type { StatusReader, StoredDrift, StoredStatus } from '../src/server/status-store.ts';
import { launchBrowser } from '../test/console/browser.ts';
import { emitResult } from './bench-io.ts';
import { median, type BenchRow } from './report.ts';

const sha = (index: number): string => (index.toString(16).padStart(8, '0').repeat(5)).slice(0, 40);
const at = (minutesAgo: number): string => new Date(Date.now() - minutesAgo * 60_000).toISOString();

interface Fleet {
  registry: AppRegistry;
  statuses: Map<string, StoredStatus>;
  drifts: Map<string, StoredDrift>;
  live: Map<string, LiveNode[]>;
}

function statusOf(index: number, resources: ResourceStatus[]): ApplicationStatus {
  const outOfSync = index % 17 === 0;
  const degraded = index % 23 === 0;
  return {
    sync: { status: outOfSync ? 'OutOfSync' : 'Synced', revision: sha(index) },
    health: { status: degraded ? 'Degraded' : 'Healthy', message: degraded ? 'Deployment/api: 1 of 3 replicas available' : 'every object is Healthy' },
    conditions: [{ type: 'Ready', status: degraded ? 'False' : 'True', reason: degraded ? 'Degraded' : 'Healthy', message: 'every object is Healthy', lastTransitionTime: at(index % 300) }],
    resources,
    history: [{ id: 1, revision: sha(index), initiator: 'auto', phase: 'Succeeded', startedAt: at(index % 300 + 1), finishedAt: at(index % 300), message: 'applied' }],
  };
}

/** N Applications in 10 namespaces, each with 3 managed objects; the one named `big` has `objects` of them. */
function fleet(apps: number, objects: number): Fleet {
  const registry = createAppRegistry();
  const statuses = new Map<string, StoredStatus>();
  const drifts = new Map<string, StoredDrift>();
  const live = new Map<string, LiveNode[]>();
  const add = (namespace: string, name: string, index: number, resources: ResourceStatus[]): void => {
    const app = registry.upsert({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
      spec: { source: { repoURL: 'https://github.com/acme/deploy.git', targetRevision: 'main', path: `apps/${name}` }, destination: { namespace }, syncPolicy: { automated: { prune: true } } },
    }, 'file', 'bench');
    statuses.set(app.key, { app: app.key, status: statusOf(index, resources), updatedAt: at(0) });
    drifts.set(app.key, {
      status: 'Synced', revision: sha(index), checkedAt: at(0), counts: { Synced: resources.length, OutOfSync: 0, Missing: 0, Extraneous: 0 },
      objects: resources.map((resource) => ({ group: resource.group, version: resource.version, kind: resource.kind, namespace: resource.namespace ?? '', name: resource.name, status: 'Synced', diff: '' })),
      fallbacks: [], truncated: false,
    });
  };
  for (let index = 0; index < apps; index++) {
    const namespace = `team-${String(index % 10)}`;
    const name = `app-${String(index).padStart(5, '0')}`;
    add(namespace, name, index, [
      { group: 'apps', version: 'v1', kind: 'Deployment', namespace, name, status: 'Synced', health: { status: 'Healthy' } },
      { group: '', version: 'v1', kind: 'Service', namespace, name, status: 'Synced', health: { status: 'Healthy' } },
      { group: '', version: 'v1', kind: 'ConfigMap', namespace, name, status: 'Synced', health: { status: 'Healthy' } },
    ]);
  }
  // The big Application: a Deployment per 10 objects (each with a ReplicaSet and 3 Pods live), the rest ConfigMaps and Services.
  const namespace = 'big';
  const resources: ResourceStatus[] = [];
  const nodes: LiveNode[] = [];
  for (let index = 0; index < objects; index++) {
    const name = `svc-${String(index).padStart(5, '0')}`;
    if (index % 10 === 0) {
      resources.push({ group: 'apps', version: 'v1', kind: 'Deployment', namespace, name, status: index % 100 === 0 ? 'OutOfSync' : 'Synced', health: { status: 'Healthy' } });
      nodes.push({ group: 'apps', version: 'v1', kind: 'Deployment', namespace, name, uid: `d-${name}`, owners: [], health: { status: 'Healthy' } });
      nodes.push({ group: 'apps', version: 'v1', kind: 'ReplicaSet', namespace, name: `${name}-7d9f`, uid: `rs-${name}`, owners: [`d-${name}`], replicas: 3, health: { status: 'Healthy' } });
      for (let pod = 0; pod < 3; pod++) {
        nodes.push({ group: '', version: 'v1', kind: 'Pod', namespace, name: `${name}-7d9f-${String(pod)}`, uid: `p-${name}-${String(pod)}`, owners: [`rs-${name}`], health: { status: 'Healthy' } });
      }
    } else {
      resources.push({ group: '', version: 'v1', kind: index % 2 ? 'ConfigMap' : 'Service', namespace, name, status: 'Synced', health: { status: 'Healthy' } });
    }
  }
  add(namespace, `big-${String(objects)}`, 1, resources);
  live.set(namespace, nodes);
  return { registry, statuses, drifts, live };
}

async function serve(data: Fleet): Promise<{ url: string; server: Server }> {
  const statuses: StatusReader = {
    status: (app) => Promise.resolve(data.statuses.get(app)),
    statuses: (apps) => Promise.resolve(new Map(apps.flatMap((app) => { const found = data.statuses.get(app); return found ? [[app, found] as const] : []; }))),
    drift: (app) => Promise.resolve(data.drifts.get(app)),
  };
  const summaries = new Map<string, AppSummary>([...data.statuses].map(([key, stored]) => [key, summarizeStatus(stored.status, stored.updatedAt)]));
  const live: LiveReader = {
    workloads: (namespaces) => Promise.resolve({ nodes: namespaces.flatMap((namespace) => data.live.get(namespace) ?? []), truncated: false }),
    object: () => Promise.resolve(undefined),
  };
  const deps = {
    registry: data.registry, statuses,
    queue: { enqueue: async () => {} },
    deliveries: { claim: () => Promise.resolve(true), release: () => Promise.resolve() },
    ready: async () => {},
    metrics: { render: () => Promise.resolve({ contentType: 'text/plain', body: '' }), webhookRequest: () => {} },
    // Public reads: the page views measured here need no sign-in round trip of their own.
    auth: { adminTokens: [], readTokens: [], publicRead: true },
    webhooks: { secretOf: () => undefined, maxBodyBytes: 1024, rateLimit: { perMinute: 60, burst: 60 } },
    log: createLogger('warn'),
    console: { summaries: { summary: (app: string) => summaries.get(app) }, live },
  } satisfies ServerDeps;
  const server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, server };
}

interface Measured {
  ms: number;
  apiRequests: number;
  /** The most any run made: an event stream the loaded machine made reconnect counts twice. */
  maxApiRequests?: number;
  allRequests: number;
  pageBytes: number;
}

/** One cold page view: navigation start until `ready` is in the DOM and the main thread is free again. */
async function pageView(browser: Browser, url: string, ready: string, pageData: RegExp): Promise<Measured> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    let apiRequests = 0;
    let allRequests = 0;
    let pageBytes = 0;
    page.on('request', (request) => {
      allRequests++;
      if (new URL(request.url()).pathname.startsWith('/api/')) apiRequests++;
    });
    page.on('response', (response) => {
      if (pageData.test(new URL(response.url()).pathname)) void response.body().then((body) => { pageBytes = body.length; }, () => {});
    });
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForSelector(ready, { timeout: 60_000 }).catch(async (error: unknown) => {
      const shown = await page.locator('body').innerText().catch(() => '?');
      throw new Error(`${url}: ${ready} did not appear; the page shows:\n${shown.slice(0, 2000)}`, { cause: error });
    });
    const ms = await page.evaluate(async () => {
      // In the page (the root tsconfig has no DOM types): the next frame, then a task after it.
      const page = globalThis as unknown as { requestAnimationFrame: (callback: () => void) => number };
      await new Promise((resolve) => { page.requestAnimationFrame(() => { setTimeout(resolve, 0); }); });
      return performance.now();
    });
    if (process.env.BERTH_BENCH_TIMINGS) {
      const timings = await page.evaluate(() => performance.getEntries().map((entry) => {
        const end = (entry as unknown as { responseEnd?: number }).responseEnd ?? entry.startTime + entry.duration;
        return `${entry.entryType} ${entry.name.replace(/^https?:\/\/[^/]+/, '')} start ${entry.startTime.toFixed(0)} end ${end.toFixed(0)}`;
      }));
      process.stderr.write(`${url} ready at ${ms.toFixed(0)} ms\n  ${timings.join('\n  ')}\n`);
    }
    // Requests the view makes by itself once shown (none are expected: the list and the tree need one answer each).
    await page.waitForTimeout(500);
    return { ms, apiRequests, allRequests, pageBytes };
  } finally {
    await context.close();
  }
}

async function measure(browser: Browser, url: string, ready: string, pageData: RegExp, runs: number): Promise<Measured> {
  const samples: Measured[] = [];
  await pageView(browser, url, ready, pageData); // warm-up: the server's first answer and Chromium's code caches
  for (let run = 0; run < runs; run++) samples.push(await pageView(browser, url, ready, pageData));
  return {
    ms: median(samples.map((sample) => sample.ms)),
    apiRequests: median(samples.map((sample) => sample.apiRequests)), maxApiRequests: Math.max(...samples.map((sample) => sample.apiRequests)),
    allRequests: median(samples.map((sample) => sample.allRequests)), pageBytes: samples.at(-1)?.pageBytes ?? 0,
  };
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
/** The figures move with the machine's load (a shared 2-core box): each row says what it was. */
const load = (): string => `load average ${os.loadavg()[0]?.toFixed(1) ?? '?'} on ${String(os.availableParallelism())} cores`;

const { values } = parseArgs({
  options: {
    apps: { type: 'string', default: '1000,10000' },
    objects: { type: 'string', default: '1000,5000' },
    runs: { type: 'string', default: '5' },
    json: { type: 'string' },
  },
});
const appSizes = values.apps.split(',').map(Number);
const objectSizes = values.objects.split(',').map(Number);
const runs = Number(values.runs);
await ensureConsoleBuilt((line) => { process.stderr.write(`${line}\n`); });
const browser = await launchBrowser();
const rows: BenchRow[] = [];
const details: Record<string, Measured> = {};
try {
  for (let index = 0; index < Math.max(appSizes.length, objectSizes.length); index++) {
    const apps = appSizes[index] ?? appSizes.at(-1) ?? 1000;
    const objects = objectSizes[index] ?? objectSizes.at(-1) ?? 1000;
    const { url, server } = await serve(fleet(apps, objects));
    try {
      if (appSizes[index] !== undefined) {
        const list = await measure(browser, `${url}/`, 'table.apps tbody tr', /^\/api\/v1\/console\/applications$/, runs);
        details[`list-${String(apps)}`] = list;
        rows.push({
          workload: 'console: Applications list, first render to interactive', size: `${apps.toLocaleString('en-US')} Applications`,
          berth: { value: list.ms, unit: 'ms' },
          notes: `median of ${String(runs)} cold loads; ${String(list.apiRequests)} API requests (session, page of 50, events; most in a run ${String(list.maxApiRequests)}), ${String(list.allRequests)} in all; page answer ${kib(list.pageBytes)}; goal < ${apps > 1000 ? '2' : '1'} s; ${load()}`,
        });
      }
      if (objectSizes[index] !== undefined) {
        const app = await measure(browser, `${url}/applications/big/big-${String(objects)}`, '.tree-row', /^\/api\/v1\/console\/namespaces\//, runs);
        details[`application-${String(objects)}`] = app;
        rows.push({
          workload: 'console: one Application with its resource tree, first render to interactive', size: `${objects.toLocaleString('en-US')} objects (+${String(objects / 10 * 4)} live)`,
          berth: { value: app.ms, unit: 'ms' },
          notes: `median of ${String(runs)} cold loads; ${String(app.apiRequests)} API requests (session, page, events; goal ≤ 3; most in a run ${String(app.maxApiRequests)}), ${String(app.allRequests)} in all; page answer ${kib(app.pageBytes)}; goal < ${objects > 1000 ? '2' : '1'} s; ${load()}`,
        });
      }
    } finally {
      server.close();
    }
  }
} finally {
  await browser.close();
}
emitResult({ bench: 'console', rows, details }, values.json);
