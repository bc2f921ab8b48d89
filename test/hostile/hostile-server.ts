/**
 * The real HTTP app (createApp) in this process, wired to a real Redis under a
 * fresh queue prefix (reconcile queue, delivery log, status store) and a real
 * registry of a few Applications, listening on loopback. What the hostile-input
 * tests throw their inputs at; every call to the queue is also counted here, so
 * a test can compare what the route asked for with what Redis holds.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createAppRegistry } from '../../src/application/app-registry.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';
import { resolveQueueOptions } from '../../src/queue/options.ts';
import type { ReconcileJob } from '../../src/queue/reconcile-job.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { createApp, type ServerDeps } from '../../src/server/app.ts';
import { RedisDeliveryLog } from '../../src/server/delivery-log.ts';
import { RedisStatusStore } from '../../src/server/status-store.ts';
import { redisUrl, uniqueName } from '../harness/env.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';

export const hostileNamespace = 'hostile';

/** An Application of the test registry, in namespace `hostile`. */
export interface HostileApp {
  name: string;
  repoURL: string;
  targetRevision?: string;
  automated?: boolean;
}

function application(app: HostileApp): unknown {
  return {
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: app.name, namespace: hostileNamespace },
    spec: {
      source: { repoURL: app.repoURL, targetRevision: app.targetRevision ?? 'main', path: '.' },
      destination: { namespace: hostileNamespace },
      syncPolicy: app.automated ? { automated: { prune: true } } : {},
    },
  };
}

export interface HostileServer {
  base: string;
  port: number;
  prefix: string;
  queue: ReconcileQueue;
  /** Every job the app asked the queue for, in order. */
  enqueued: ReconcileJob[];
  /** Every log line the app wrote. */
  logs: string[];
  /** Distinct Applications with a job under the prefix, in any state. */
  appsWithJobs(): Promise<string[]>;
}

export interface HostileServerOptions {
  apps: readonly HostileApp[];
  secret: string;
  adminToken: string;
  readToken: string;
  maxBodyBytes?: number;
  rateLimit?: ServerDeps['webhooks']['rateLimit'];
  /** Address to listen on; 0.0.0.0 lets clients come from several loopback addresses. */
  host?: string;
}

export async function startHostileServer(t: TestContext, options: HostileServerOptions): Promise<HostileServer> {
  const prefix = uniqueName('berth-hostile');
  cleanUpPrefix(t, prefix);
  const queue = new ReconcileQueue(resolveQueueOptions({ redisUrl: redisUrl(), prefix }));
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
  t.after(async () => {
    await queue.close();
    redis.disconnect();
  });
  const registry = createAppRegistry();
  for (const app of options.apps) {
    const registered = registry.upsert(application(app), 'file', 'hostile test');
    if (!registered.valid) throw new Error(`test Application ${app.name} is invalid: ${registered.message}`);
  }

  const enqueued: ReconcileJob[] = [];
  const logs: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _encoding, done) { logs.push(chunk.toString()); done(); } });
  const metrics = createMetrics({ defaultMetrics: false });
  const app = createApp({
    registry,
    statuses: new RedisStatusStore(redis, { prefix }),
    queue: { enqueue: async (job) => { enqueued.push(job); await queue.enqueue(job); } },
    deliveries: new RedisDeliveryLog(redis, prefix),
    ready: async () => { await redis.ping(); },
    metrics,
    auth: { adminTokens: [options.adminToken], readTokens: [options.readToken], publicRead: false },
    webhooks: {
      secretOf: () => options.secret,
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      rateLimit: options.rateLimit ?? { perMinute: 1_000_000, burst: 1_000_000 },
    },
    log: createLogger('info', sink),
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => { resolve(); });
  }));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`, port, prefix, queue, enqueued, logs,
    async appsWithJobs() {
      const jobs = await queue.queue.getJobs(['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'], 0, -1);
      return [...new Set(jobs.map((job) => job.data.app))].sort();
    },
  };
}

/** mulberry32: small and seeded, so a failing input can be made again from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of a run: BERTH_HOSTILE_SEED to replay one, else a fresh one. */
export function runSeed(): number {
  const given = process.env.BERTH_HOSTILE_SEED;
  return given ? Number(given) >>> 0 : Math.floor(Math.random() * 0xffffffff) >>> 0;
}

/** Fails with the seed in the message, so the run can be replayed with BERTH_HOSTILE_SEED. */
export async function withSeed<T>(seed: number, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n(replay with BERTH_HOSTILE_SEED=${seed})`, { cause: error });
  }
}

/** What no response may contain: a stack frame, or a Node error class leaking out. */
export function assertNoStackTrace(text: string, what: string): void {
  if (/\n\s+at [^\n]+:\d+:\d+|node:internal|\.ts:\d+:\d+/.test(text)) throw new Error(`${what}: response carries a stack trace: ${text.slice(0, 300)}`);
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  method?: string;
  /** Sent as is: no URL parser normalizes `..` or percent-encoding away. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** The client's source address (any of 127.0.0.0/8 on Linux), for per-address limits. */
  localAddress?: string;
  agent?: http.Agent;
}

/** One request with node:http, so paths, headers and bodies go out exactly as given. */
export function sendRaw(port: number, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request({
      host: '127.0.0.1', port, method: request.method ?? 'GET', path: request.path, headers: request.headers ?? {},
      ...(request.localAddress ? { localAddress: request.localAddress } : {}),
      ...(request.agent ? { agent: request.agent } : {}),
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => { chunks.push(chunk); });
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }); });
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
