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
  /** Bearer tokens that may use every API route, operations included. Secrets: set them through the environment. */
  apiAdminTokens: string[];
  /** Bearer tokens that may use the read routes of the API. */
  apiReadTokens: string[];
  /** Read routes need no token. */
  apiPublicRead: boolean;
  /** Larger webhook deliveries are refused with 413. */
  webhookMaxBodyBytes: number;
  /** Webhook deliveries per minute per source address (the burst is the same); 0 turns the limit off. */
  webhookRateLimit: number;
  /** Glob patterns of repository URLs Applications may use; empty means any. */
  allowedRepos: string[];
  /** Glob patterns of namespaces Applications may write to; empty means any. */
  allowedDestinations: string[];
  /** Whether Applications may apply cluster-scoped kinds (Namespace, ClusterRole, CRD, ...). */
  allowClusterScoped: boolean;
  /** Whether plain http:// repositories are allowed (credentials and content travel unencrypted). */
  allowHttpRepos: boolean;
  /** Whether repositories on loopback and private addresses (10/8, 172.16/12, 192.168/16, fc00::/7) are allowed. */
  allowPrivateRepos: boolean;
  /** Whether repositories on link-local and cloud metadata addresses (169.254/16, fe80::/10) are allowed. */
  allowLinkLocalRepos: boolean;
  /** ServiceAccount every Application without spec.serviceAccountName syncs as; undefined means the controller's own identity. */
  defaultServiceAccount: string | undefined;
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
  apiAdminTokens: 'BERTH_API_ADMIN_TOKENS',
  apiReadTokens: 'BERTH_API_READ_TOKENS',
  apiPublicRead: 'BERTH_API_PUBLIC_READ',
  webhookMaxBodyBytes: 'BERTH_WEBHOOK_MAX_BODY_BYTES',
  webhookRateLimit: 'BERTH_WEBHOOK_RATE_LIMIT',
  allowedRepos: 'BERTH_ALLOWED_REPOS',
  allowedDestinations: 'BERTH_ALLOWED_DESTINATIONS',
  allowClusterScoped: 'BERTH_ALLOW_CLUSTER_SCOPED',
  allowHttpRepos: 'BERTH_ALLOW_HTTP_REPOS',
  allowPrivateRepos: 'BERTH_ALLOW_PRIVATE_REPOS',
  allowLinkLocalRepos: 'BERTH_ALLOW_LINK_LOCAL_REPOS',
  defaultServiceAccount: 'BERTH_DEFAULT_SERVICE_ACCOUNT',
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
  // Tokens are read from the environment only: a flag would show them in `ps`.
  apiAdminTokens: null,
  apiReadTokens: null,
  apiPublicRead: '--api-public-read',
  webhookMaxBodyBytes: '--webhook-max-body-bytes',
  webhookRateLimit: '--webhook-rate-limit',
  allowedRepos: '--allowed-repos',
  allowedDestinations: '--allowed-destinations',
  allowClusterScoped: '--allow-cluster-scoped',
  allowHttpRepos: '--allow-http-repos',
  allowPrivateRepos: '--allow-private-repos',
  allowLinkLocalRepos: '--allow-link-local-repos',
  defaultServiceAccount: '--default-service-account',
} as const satisfies Record<keyof ControllerConfig, string | null>;

export type RawControllerConfig = Partial<Record<keyof ControllerConfig, string | undefined>>;

const listenSchema = z.string().regex(/^[^:]*:\d{1,5}$/, 'expected host:port, e.g. 0.0.0.0:8080').transform((value) => {
  const colon = value.lastIndexOf(':');
  return { host: value.slice(0, colon) || '0.0.0.0', port: Number(value.slice(colon + 1)) };
});

const commaList = z.string().default('').transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));
const boolean = (fallback: 'true' | 'false') => z.enum(['true', 'false']).default(fallback).transform((value) => value === 'true');

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
  apiAdminTokens: z.string().default('').transform((value) => value.split(',').map((token) => token.trim()).filter(Boolean)),
  apiReadTokens: z.string().default('').transform((value) => value.split(',').map((token) => token.trim()).filter(Boolean)),
  apiPublicRead: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  // 25 MiB is GitHub's own cap on a delivery.
  webhookMaxBodyBytes: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(25 * 1024 * 1024),
  webhookRateLimit: z.coerce.number().int().min(0).max(1_000_000).default(600),
  allowedRepos: commaList,
  allowedDestinations: commaList,
  allowClusterScoped: boolean('true'),
  allowHttpRepos: boolean('false'),
  allowPrivateRepos: boolean('true'),
  allowLinkLocalRepos: boolean('false'),
  defaultServiceAccount: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a ServiceAccount name (a DNS subdomain)').optional(),
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
      const flag = flagNames[key];
      return `${flag === null ? environmentNames[key] : `${flag} (${environmentNames[key]})`}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const { kubeconfig, appsFile, globalConcurrency, defaultServiceAccount, ...rest } = parsed.data;
  return { ...rest, kubeconfig, appsFile, globalConcurrency, defaultServiceAccount };
}
