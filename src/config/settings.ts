/**
 * The one table of `berth controller` settings. Each row names its flag, its
 * environment variable, its default (written once, as the text a person would
 * type), how the text is parsed, and its help. The configuration type, the flag
 * parser, `--help`, error messages and the README's settings table are all
 * derived from it (controller-config.ts, src/cli/controller.ts,
 * settings-doc.ts), so a setting cannot be documented in one place and ignored
 * in another.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseRedisAddress } from '../queue/redis-address.ts';

export type DefaultText = string | (() => string) | undefined;

export interface Setting<T extends z.ZodType = z.ZodType, D extends DefaultText = DefaultText> {
  /** The flag without dashes (`redis-url`), or null for a secret set through the environment only (a flag would show in `ps`). */
  flag: string | null;
  /** What the flag takes, as `--help` shows it (`<url>`). */
  value: string;
  env: string;
  /** The default as the text one would type; a function when it depends on the machine; undefined for none. */
  default: D;
  /** Parses the text (the flag's, the variable's, or the default). */
  parse: T;
  help: string;
  /** Where README's table groups it. */
  group: SettingGroup;
}

export const settingGroups = {
  controller: 'Controller',
  api: 'API and webhooks',
  policy: 'Security policy',
  limits: 'Limits on what one Application may cost',
} as const;
export type SettingGroup = keyof typeof settingGroups;

const commaList = z.string().transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));
const bool = z.enum(['true', 'false'], { message: 'expected true or false' }).transform((value) => value === 'true');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const listen = z.string().regex(/^[^:]*:\d{1,5}$/, 'expected host:port, e.g. 0.0.0.0:8080').transform((value) => {
  const colon = value.lastIndexOf(':');
  return { host: value.slice(0, colon) || '0.0.0.0', port: Number(value.slice(colon + 1)) };
});
const dnsName = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a DNS subdomain (lower case letters, digits, dots and dashes)');
const mib = (n: number): string => String(n * 1024 * 1024);

/** The row, with its schema's type and whether it has a default kept. */
const setting = <T extends z.ZodType, D extends DefaultText>(row: Setting<T, D>): Setting<T, D> => row;

export const settings = {
  kubeconfig: setting({
    flag: 'kubeconfig', value: '<file>', env: 'KUBECONFIG', default: undefined, parse: z.string().min(1), group: 'controller',
    help: 'kubeconfig to use; in-cluster credentials when running in a pod',
  }),
  redisUrl: setting({
    flag: 'redis-url', value: '<url>', env: 'BERTH_REDIS_URL', default: 'redis://127.0.0.1:6379', group: 'controller',
    parse: z.string().superRefine((url, context) => {
      try { parseRedisAddress(url); } catch (error) { context.addIssue({ code: 'custom', message: (error as Error).message }); }
    }),
    help: 'Redis for the work queue, status and shared Git refs; redis+sentinel://h1:26379,h2:26379/<master> for a Sentinel-monitored primary',
  }),
  appsFile: setting({
    flag: 'apps', value: '<file>', env: 'BERTH_APPS', default: undefined, parse: z.string().min(1), group: 'controller',
    help: "YAML file of Applications to reconcile besides the cluster's",
  }),
  namespaces: setting({
    flag: 'namespaces', value: '<list>', env: 'BERTH_NAMESPACES', default: '', parse: commaList, group: 'controller',
    help: 'comma-separated namespaces whose Applications are watched; all when empty',
  }),
  watchCluster: setting({
    flag: 'watch-cluster', value: '<bool>', env: 'BERTH_WATCH_CLUSTER', default: 'true', parse: bool, group: 'controller',
    help: 'watch Application resources in the cluster',
  }),
  controllerNamespace: setting({
    flag: 'controller-namespace', value: '<namespace>', env: 'BERTH_CONTROLLER_NAMESPACE', default: 'berth', parse: dnsName, group: 'controller',
    help: "the controller's own namespace, where release records live; tenants must not be able to write there",
  }),
  listen: setting({
    flag: 'listen', value: '<host:port>', env: 'BERTH_LISTEN', default: '0.0.0.0:8080', parse: listen, group: 'controller',
    help: 'address of the health endpoints, metrics and API',
  }),
  concurrency: setting({
    flag: 'concurrency', value: '<n>', env: 'BERTH_CONCURRENCY', default: '16', parse: int(1, 1000), group: 'controller',
    help: 'reconciles this process runs at once',
  }),
  clusterConcurrency: setting({
    flag: 'cluster-concurrency', value: '<n>', env: 'BERTH_CLUSTER_CONCURRENCY', default: '4', parse: int(1, 1000), group: 'controller',
    help: 'reconciles of one destination cluster this process runs at once, unless its cluster Secret sets data.concurrency (a slow cluster holds no more)',
  }),
  globalConcurrency: setting({
    flag: 'global-concurrency', value: '<n>', env: 'BERTH_GLOBAL_CONCURRENCY', default: undefined, parse: int(1, 100_000), group: 'controller',
    help: 'reconciles all replicas together run at once; no limit when unset',
  }),
  cacheDir: setting({
    flag: 'cache-dir', value: '<dir>', env: 'BERTH_CACHE_DIR', group: 'controller', parse: z.string().min(1),
    default: () => path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'berth'),
    help: 'writable folder for Git caches and render snapshots (default: $XDG_CACHE_HOME/berth or ~/.cache/berth)',
  }),
  queuePrefix: setting({
    flag: 'queue-prefix', value: '<prefix>', env: 'BERTH_QUEUE_PREFIX', default: 'berth', group: 'controller',
    parse: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, dot, dash and underscore only'),
    help: 'prefix of every Redis key, so several installations can share one Redis',
  }),
  shutdownTimeoutMs: setting({
    flag: 'shutdown-timeout', value: '<ms>', env: 'BERTH_SHUTDOWN_TIMEOUT_MS', default: '30000', parse: int(0, 3_600_000), group: 'controller',
    help: 'how long SIGTERM waits for in-flight reconciles',
  }),
  // Under a second, a busy event loop could miss renewing its own locks.
  stalledIntervalMs: setting({
    flag: 'stalled-interval', value: '<ms>', env: 'BERTH_STALLED_INTERVAL_MS', default: '30000', parse: int(1_000, 3_600_000), group: 'controller',
    help: 'how often to look for reconciles whose replica died',
  }),
  lockDurationMs: setting({
    flag: 'lock-duration', value: '<ms>', env: 'BERTH_LOCK_DURATION_MS', default: '30000', parse: int(1_000, 3_600_000), group: 'controller',
    help: "how long a reconcile's lock outlives its replica before another takes it over",
  }),
  logLevel: setting({
    flag: 'log-level', value: '<level>', env: 'BERTH_LOG_LEVEL', default: 'info', parse: z.enum(['trace', 'debug', 'info', 'warn', 'error']), group: 'controller',
    help: 'trace, debug, info, warn or error',
  }),
  apiAdminTokens: setting({
    flag: null, value: '<tokens>', env: 'BERTH_API_ADMIN_TOKENS', default: '', parse: commaList, group: 'api',
    help: 'comma-separated bearer tokens that may use every API route, operations included',
  }),
  apiReadTokens: setting({
    flag: null, value: '<tokens>', env: 'BERTH_API_READ_TOKENS', default: '', parse: commaList, group: 'api',
    help: 'comma-separated bearer tokens that may use the read routes',
  }),
  apiPublicRead: setting({
    flag: 'api-public-read', value: '<bool>', env: 'BERTH_API_PUBLIC_READ', default: 'false', parse: bool, group: 'api',
    help: "let the API's read routes answer without a token",
  }),
  consoleSessionTtlMs: setting({
    flag: 'console-session-ttl', value: '<ms>', env: 'BERTH_CONSOLE_SESSION_TTL_MS', default: '28800000', parse: int(60_000, 30 * 24 * 3_600_000), group: 'api',
    help: 'how long a sign-in to the console lasts (the session cookie and its record in Redis)',
  }),
  consoleSecureCookie: setting({
    flag: 'console-secure-cookie', value: '<bool>', env: 'BERTH_CONSOLE_SECURE_COOKIE', default: 'false', parse: bool, group: 'api',
    help: "mark the console's session cookie Secure even when the request arrives over plain HTTP (TLS ends at a proxy in front)",
  }),
  // 25 MiB is GitHub's own cap on a delivery.
  webhookMaxBodyBytes: setting({
    flag: 'webhook-max-body-bytes', value: '<n>', env: 'BERTH_WEBHOOK_MAX_BODY_BYTES', default: mib(25), parse: int(1024, 256 * 1024 * 1024), group: 'api',
    help: 'largest webhook delivery accepted (413 above it)',
  }),
  webhookMaxInflightBytes: setting({
    flag: 'webhook-max-inflight-bytes', value: '<n>', env: 'BERTH_WEBHOOK_MAX_INFLIGHT_BYTES', default: mib(64), parse: int(1024 * 1024, 4 * 1024 ** 3), group: 'api',
    help: 'webhook body bytes all deliveries being read may hold at once, signed or not (503 above it)',
  }),
  webhookRateLimit: setting({
    flag: 'webhook-rate-limit', value: '<n>', env: 'BERTH_WEBHOOK_RATE_LIMIT', default: '600', parse: int(0, 1_000_000), group: 'api',
    help: 'webhook deliveries per minute from one address; 0 for no limit',
  }),
  allowedRepos: setting({
    flag: 'allowed-repos', value: '<globs>', env: 'BERTH_ALLOWED_REPOS', default: '', parse: commaList, group: 'policy',
    help: 'comma-separated repository URL patterns Applications may use, e.g. https://github.com/acme/*; any when empty',
  }),
  allowedDestinations: setting({
    flag: 'allowed-destinations', value: '<globs>', env: 'BERTH_ALLOWED_DESTINATIONS', default: '', parse: commaList, group: 'policy',
    help: 'comma-separated namespace patterns Applications may write to; any when empty',
  }),
  allowClusterScoped: setting({
    flag: 'allow-cluster-scoped', value: '<bool>', env: 'BERTH_ALLOW_CLUSTER_SCOPED', default: 'true', parse: bool, group: 'policy',
    help: 'whether Applications may apply cluster-scoped kinds (Namespace, ClusterRole, CRD, ...)',
  }),
  allowHttpRepos: setting({
    flag: 'allow-http-repos', value: '<bool>', env: 'BERTH_ALLOW_HTTP_REPOS', default: 'false', parse: bool, group: 'policy',
    help: 'allow plain http:// repositories (credentials and content travel unencrypted)',
  }),
  allowPrivateRepos: setting({
    flag: 'allow-private-repos', value: '<bool>', env: 'BERTH_ALLOW_PRIVATE_REPOS', default: 'true', parse: bool, group: 'policy',
    help: 'allow repositories on loopback and private addresses (10/8, 172.16/12, 192.168/16, fc00::/7)',
  }),
  allowLinkLocalRepos: setting({
    flag: 'allow-link-local-repos', value: '<bool>', env: 'BERTH_ALLOW_LINK_LOCAL_REPOS', default: 'false', parse: bool, group: 'policy',
    help: 'allow repositories on link-local and cloud metadata addresses (169.254/16, fe80::/10), also after DNS resolution',
  }),
  sshTrustOnFirstUse: setting({
    flag: 'ssh-trust-on-first-use', value: '<bool>', env: 'BERTH_SSH_TRUST_ON_FIRST_USE', default: 'false', parse: bool, group: 'policy',
    help: 'trust the first host key an SSH Git server shows this process when credentialsSecret has no knownHosts line for it (a changed key is still refused)',
  }),
  allowedRemoteBases: setting({
    flag: 'allowed-remote-bases', value: '<globs>', env: 'BERTH_ALLOWED_REMOTE_BASES', default: '', parse: commaList, group: 'policy',
    help: 'URL patterns of remote kustomize resources and bases a render may fetch (with the repository address checks); none when empty',
  }),
  gitCredentialHosts: setting({
    flag: 'git-credential-hosts', value: '<hosts>', env: 'BERTH_GIT_CREDENTIAL_HOSTS', default: '', parse: commaList, group: 'policy',
    help: 'hosts the controller-wide BERTH_GIT_TOKEN / BERTH_GIT_USERNAME / BERTH_GIT_PASSWORD are sent to; never sent when empty',
  }),
  defaultServiceAccount: setting({
    flag: 'default-service-account', value: '<name>', env: 'BERTH_DEFAULT_SERVICE_ACCOUNT', default: undefined, parse: dnsName, group: 'policy',
    help: "ServiceAccount (in the Application's namespace) that Applications without serviceAccountName sync as; the controller's identity when unset",
  }),
  renderMemoryLimitBytes: setting({
    // helm and kustomize render ordinary charts and overlays in 64-128 MiB.
    flag: 'render-memory-limit', value: '<bytes>', env: 'BERTH_RENDER_MEMORY_LIMIT', default: mib(256), parse: int(64 * 1024 * 1024, 64 * 1024 ** 3), group: 'limits',
    help: 'memory one renderer process (helm, kustomize) may use',
  }),
  renderConcurrency: setting({
    flag: 'render-concurrency', value: '<n>', env: 'BERTH_RENDER_CONCURRENCY', default: '2', parse: int(1, 64), group: 'limits',
    help: 'renderer processes running at once; with --render-memory-limit, what renders may take of the pod together',
  }),
  renderCpuSeconds: setting({
    flag: 'render-cpu-seconds', value: '<n>', env: 'BERTH_RENDER_CPU_SECONDS', default: '60', parse: int(1, 3600), group: 'limits',
    help: 'CPU time one renderer process may use',
  }),
  renderMaxBytes: setting({
    flag: 'render-max-bytes', value: '<n>', env: 'BERTH_RENDER_MAX_BYTES', default: mib(64), parse: int(1024 * 1024, 4 * 1024 ** 3), group: 'limits',
    help: "manifest bytes one Application's render may produce, all files together",
  }),
  gitMaxObjectBytes: setting({
    // isomorphic-git holds about four times an object's size while indexing it, so
    // the default keeps one fetch well inside a 1 GiB pod (32 MiB is also the renderer's per-file cap).
    flag: 'git-max-object-bytes', value: '<n>', env: 'BERTH_GIT_MAX_OBJECT_BYTES', default: mib(32), parse: int(1024 * 1024, 16 * 1024 ** 3), group: 'limits',
    help: 'largest Git object (inflated) a fetch may bring or a render may read',
  }),
  gitMaxFetchBytes: setting({
    // isomorphic-git holds the whole pack in memory before it writes it.
    flag: 'git-max-fetch-bytes', value: '<n>', env: 'BERTH_GIT_MAX_FETCH_BYTES', default: mib(256), parse: int(1024 * 1024, 16 * 1024 ** 3), group: 'limits',
    help: 'bytes one fetch may download (on the wire)',
  }),
  gitMaxRepositoryBytes: setting({
    flag: 'git-max-repository-bytes', value: '<n>', env: 'BERTH_GIT_MAX_REPOSITORY_BYTES', default: mib(1024), parse: int(1024 * 1024, 64 * 1024 ** 3), group: 'limits',
    help: 'inflated size of all the objects one fetch may bring',
  }),
  consoleUrl: setting({
    flag: 'console-url', value: '<url>', env: 'BERTH_CONSOLE_URL', default: undefined, parse: z.url({ protocol: /^https?$/ }), group: 'controller',
    help: "the console's base URL; notifications link to <url>/applications/<namespace>/<name>",
  }),
  // 0 lets a replica reconcile without delivering (dedicated delivery replicas; the kill test).
  notificationConcurrency: setting({
    flag: 'notification-concurrency', value: '<n>', env: 'BERTH_NOTIFICATION_CONCURRENCY', default: '8', parse: int(0, 256), group: 'controller',
    help: 'notifications one replica delivers at once; 0: this replica delivers none',
  }),
  notificationAttempts: setting({
    flag: 'notification-attempts', value: '<n>', env: 'BERTH_NOTIFICATION_ATTEMPTS', default: '8', parse: int(1, 50), group: 'controller',
    help: 'attempts of one notification (429, 5xx, no answer) before it is dropped with a metric and an Event',
  }),
  notificationRatePerMinute: setting({
    flag: 'notification-rate-per-minute', value: '<n>', env: 'BERTH_NOTIFICATION_RATE_PER_MINUTE', default: '60', parse: int(1, 100_000), group: 'controller',
    help: 'notifications sent to one NotificationProvider per minute, across replicas; more wait for the next minute',
  }),
  notificationAllowPrivate: setting({
    flag: 'notification-allow-private', value: '<bool>', env: 'BERTH_NOTIFICATION_ALLOW_PRIVATE', default: 'false', parse: bool, group: 'policy',
    help: 'let notifications reach private and loopback addresses (link-local and metadata addresses never)',
  }),
  notificationAllowHttp: setting({
    flag: 'notification-allow-http', value: '<bool>', env: 'BERTH_NOTIFICATION_ALLOW_HTTP', default: 'false', parse: bool, group: 'policy',
    help: 'let NotificationProviders use http:// addresses (tokens and bodies travel in clear)',
  }),
} as const satisfies Record<string, Setting>;

export type SettingKey = keyof typeof settings;

/** The default's text, resolved (a machine-dependent default is computed now). */
export function defaultText(row: Setting): string | undefined {
  return typeof row.default === 'function' ? row.default() : row.default;
}
