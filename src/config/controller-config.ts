/**
 * The controller's configuration: every flag has an environment equivalent
 * (BERTH_<FLAG>), and defaults are resolved here and nowhere else. Validation
 * errors name the flag and the variable, so a bad deployment fails at start-up
 * with a message that says what to fix.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

export interface ControllerConfig {
  /** Kubeconfig file; unset means in-cluster credentials, then KUBECONFIG / ~/.kube/config. */
  kubeconfig: string | undefined;
  redisUrl: string;
  /** Applications from a YAML file instead of (or besides) the cluster. */
  appsFile: string | undefined;
  /** Namespaces whose Applications are watched; empty means all namespaces. */
  namespaces: string[];
  /** Whether to watch Application resources in the cluster at all. */
  watchCluster: boolean;
  /** host:port of the HTTP API, health and metrics endpoints. */
  listen: { host: string; port: number };
  /** Reconciles running at once in this process. */
  concurrency: number;
  /** Reconciles running at once across all replicas; undefined means no limit beyond each process's. */
  globalConcurrency: number | undefined;
  /** Where Git caches and render snapshots live (must be writable). */
  cacheDir: string;
  /** Prefix of every Redis key, so several installations can share one Redis. */
  queuePrefix: string;
  /** How long SIGTERM waits for in-flight reconciles before closing. */
  shutdownTimeoutMs: number;
  /** How often a replica looks for reconciles whose replica died (BullMQ stalled check). */
  stalledIntervalMs: number;
  /** How long a reconcile's lock lives without renewal: a dead replica's work is recovered after this. */
  lockDurationMs: number;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
}

/** Flag name -> environment variable, for error messages and the CLI's help. */
export const environmentNames = {
  kubeconfig: 'KUBECONFIG',
  redisUrl: 'BERTH_REDIS_URL',
  appsFile: 'BERTH_APPS',
  namespaces: 'BERTH_NAMESPACES',
  watchCluster: 'BERTH_WATCH_CLUSTER',
  listen: 'BERTH_LISTEN',
  concurrency: 'BERTH_CONCURRENCY',
  globalConcurrency: 'BERTH_GLOBAL_CONCURRENCY',
  cacheDir: 'BERTH_CACHE_DIR',
  queuePrefix: 'BERTH_QUEUE_PREFIX',
  shutdownTimeoutMs: 'BERTH_SHUTDOWN_TIMEOUT_MS',
  stalledIntervalMs: 'BERTH_STALLED_INTERVAL_MS',
  lockDurationMs: 'BERTH_LOCK_DURATION_MS',
  logLevel: 'BERTH_LOG_LEVEL',
} as const satisfies Record<keyof ControllerConfig, string>;

/** Setting -> the `berth controller` flag that sets it. */
export const flagNames = {
  kubeconfig: '--kubeconfig',
  redisUrl: '--redis-url',
  appsFile: '--apps',
  namespaces: '--namespaces',
  watchCluster: '--watch-cluster',
  listen: '--listen',
  concurrency: '--concurrency',
  globalConcurrency: '--global-concurrency',
  cacheDir: '--cache-dir',
  queuePrefix: '--queue-prefix',
  shutdownTimeoutMs: '--shutdown-timeout',
  stalledIntervalMs: '--stalled-interval',
  lockDurationMs: '--lock-duration',
  logLevel: '--log-level',
} as const satisfies Record<keyof ControllerConfig, string>;

export type RawControllerConfig = Partial<Record<keyof ControllerConfig, string | undefined>>;

const listenSchema = z.string().regex(/^[^:]*:\d{1,5}$/, 'expected host:port, e.g. 0.0.0.0:8080').transform((value) => {
  const colon = value.lastIndexOf(':');
  return { host: value.slice(0, colon) || '0.0.0.0', port: Number(value.slice(colon + 1)) };
});

const schema = z.object({
  kubeconfig: z.string().min(1).optional(),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
  appsFile: z.string().min(1).optional(),
  namespaces: z.string().default('').transform((value) => value.split(',').map((n) => n.trim()).filter(Boolean)),
  watchCluster: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  listen: listenSchema.default({ host: '0.0.0.0', port: 8080 }),
  concurrency: z.coerce.number().int().min(1).max(1000).default(16),
  globalConcurrency: z.coerce.number().int().min(1).max(100_000).optional(),
  cacheDir: z.string().min(1).default(path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'berth')),
  queuePrefix: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, dot, dash and underscore only').default('berth'),
  shutdownTimeoutMs: z.coerce.number().int().min(0).default(30_000),
  // Under a second, a busy event loop could miss renewing its own locks.
  stalledIntervalMs: z.coerce.number().int().min(1_000).default(30_000),
  lockDurationMs: z.coerce.number().int().min(1_000).default(30_000),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Flags win over the environment; the environment over defaults. */
export function resolveControllerConfig(flags: RawControllerConfig, env: NodeJS.ProcessEnv = process.env): ControllerConfig {
  const merged: RawControllerConfig = {};
  for (const key of Object.keys(environmentNames) as (keyof ControllerConfig)[]) {
    const value = flags[key] ?? env[environmentNames[key]];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]) as keyof ControllerConfig;
      return `${flagNames[key]} (${environmentNames[key]}): ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const { kubeconfig, appsFile, globalConcurrency, ...rest } = parsed.data;
  return { ...rest, kubeconfig, appsFile, globalConcurrency };
}
