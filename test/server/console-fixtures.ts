/**
 * A controller's HTTP server for the console's integration tests: the real
 * Express app, sessions and change feed in the real Redis, status written
 * through the real status store, and a registry of as many Applications as a
 * test asks for. Every key lives under a prefix of the test's own.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { createAppRegistry, type AppRegistry } from '../../src/application/app-registry.ts';
import { createLogger } from '../../src/log.ts';
import type { ReconcileJob } from '../../src/queue/reconcile-job.ts';
import { createApp, type ServerDeps } from '../../src/server/app.ts';
import { RedisChangeFeed } from '../../src/server/console/change-feed.ts';
import type { ConsoleDeps } from '../../src/server/console/deps.ts';
import { RedisSessionStore } from '../../src/server/console/session-store.ts';
import { RedisStatusStore } from '../../src/server/status-store.ts';
import { redisUrl, uniqueName } from '../harness/env.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';

export const adminToken = 'console-admin-token-0123456789';
export const readToken = 'console-read-token-0123456789';

export function application(namespace: string, name: string, automated = false): unknown {
  return {
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
    spec: {
      source: { repoURL: 'https://github.com/example/deploy.git', targetRevision: 'main', path: `apps/${name}` },
      destination: { namespace },
      ...(automated ? { syncPolicy: { automated: { prune: true } } } : {}),
    },
  };
}

export interface ConsoleServer {
  base: string;
  prefix: string;
  redis: Redis;
  registry: AppRegistry;
  /** A status store as another replica would have it (its own connection). */
  writer: RedisStatusStore;
  feed: RedisChangeFeed;
  jobs: ReconcileJob[];
  close(): Promise<void>;
}

export interface ConsoleServerOptions {
  prefix?: string;
  console?: Partial<ConsoleDeps>;
  server?: Partial<ServerDeps>;
  /** Registered before the server starts. */
  apps?: unknown[];
}

export async function startConsoleServer(t: TestContext, options: ConsoleServerOptions = {}): Promise<ConsoleServer> {
  const prefix = options.prefix ?? uniqueName('berth-console');
  cleanUpPrefix(t, prefix);
  const redis = new Redis(redisUrl());
  const writerRedis = new Redis(redisUrl());
  const registry = createAppRegistry();
  for (const raw of options.apps ?? []) registry.upsert(raw, 'file', 'test');
  const statuses = new RedisStatusStore(redis, { prefix });
  const writer = new RedisStatusStore(writerRedis, { prefix });
  const log = createLogger('silent');
  const feed = new RedisChangeFeed(redis, { prefix, log });
  await feed.start();
  const jobs: ReconcileJob[] = [];
  const app = createApp({
    registry, statuses, log,
    queue: { enqueue: (job) => { jobs.push(job); return Promise.resolve(); } },
    deliveries: { claim: () => Promise.resolve(true), release: () => Promise.resolve() },
    ready: () => Promise.resolve(),
    metrics: { render: () => Promise.resolve({ contentType: 'text/plain', body: '' }), webhookRequest: () => undefined },
    auth: { adminTokens: [adminToken], readTokens: [readToken], publicRead: false },
    webhooks: { secretOf: () => undefined, maxBodyBytes: 1024 * 1024, rateLimit: { perMinute: 600, burst: 600 } },
    console: { sessions: new RedisSessionStore(redis, { prefix, ttlMs: 3_600_000 }), summaries: feed, feed, ...options.console },
    ...options.server,
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
    await feed.stop();
    redis.disconnect();
    writerRedis.disconnect();
  };
  t.after(close);
  return { base, prefix, redis, registry, writer, feed, jobs, close };
}

/** Signs in and returns the cookie header value and the CSRF token. */
export async function signIn(base: string, token: string): Promise<{ cookie: string; csrf: string; response: Response; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  const body = await response.json() as Record<string, unknown>;
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0] ?? '', csrf: typeof body.csrfToken === 'string' ? body.csrfToken : '', response, body };
}
