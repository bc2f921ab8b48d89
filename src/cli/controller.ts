/**
 * `berth controller`: runs the controller in the foreground until SIGTERM or
 * SIGINT, then drains in-flight reconciles (up to --shutdown-timeout) and exits.
 * Every flag has an environment equivalent; a bad value or an unreachable Redis
 * or cluster stops start-up with a message that says which.
 */
import type { Command } from 'commander';
import { ConfigError, environmentNames, resolveControllerConfig, type RawControllerConfig } from '../config/controller-config.ts';
import { createLogger } from '../log.ts';

interface ControllerFlags {
  kubeconfig?: string;
  redisUrl?: string;
  apps?: string;
  namespaces?: string;
  watchCluster?: string;
  listen?: string;
  concurrency?: string;
  globalConcurrency?: string;
  cacheDir?: string;
  queuePrefix?: string;
  shutdownTimeout?: string;
  stalledInterval?: string;
  lockDuration?: string;
  logLevel?: string;
  allowedRepos?: string;
  allowedDestinations?: string;
  allowClusterScoped?: string;
  allowHttpRepos?: string;
  allowPrivateRepos?: string;
  allowLinkLocalRepos?: string;
  defaultServiceAccount?: string;
  apiPublicRead?: string;
  webhookMaxBodyBytes?: string;
  webhookRateLimit?: string;
}

export function registerControllerCommand(program: Command): void {
  const env = environmentNames;
  program
    .command('controller')
    .description('run the Berth controller: reconcile Applications from the cluster and/or a file')
    .option('--kubeconfig <file>', `kubeconfig to use (${env.kubeconfig}; in-cluster credentials when running in a pod)`)
    .option('--redis-url <url>', `Redis for the work queue (${env.redisUrl}; default redis://127.0.0.1:6379)`)
    .option('--apps <file>', `YAML file of Applications to reconcile besides the cluster's (${env.appsFile})`)
    .option('--namespaces <list>', `comma-separated namespaces whose Applications are watched; all when empty (${env.namespaces})`)
    .option('--watch-cluster <bool>', `watch Application resources in the cluster: true|false (${env.watchCluster}; default true)`)
    .option('--listen <host:port>', `address of the health endpoints and API (${env.listen}; default 0.0.0.0:8080)`)
    .option('--concurrency <n>', `reconciles this process runs at once (${env.concurrency}; default 16)`)
    .option('--global-concurrency <n>', `reconciles all replicas together run at once (${env.globalConcurrency}; default: no limit)`)
    .option('--cache-dir <dir>', `writable folder for Git caches and renders (${env.cacheDir})`)
    .option('--queue-prefix <prefix>', `prefix of every Redis key (${env.queuePrefix}; default berth)`)
    .option('--shutdown-timeout <ms>', `how long SIGTERM waits for in-flight reconciles (${env.shutdownTimeoutMs}; default 30000)`)
    .option('--stalled-interval <ms>', `how often to look for reconciles whose replica died (${env.stalledIntervalMs}; default 30000)`)
    .option('--lock-duration <ms>', `how long a reconcile's lock outlives its replica before another takes it over (${env.lockDurationMs}; default 30000)`)
    .option('--log-level <level>', `trace|debug|info|warn|error (${env.logLevel}; default info)`)
    .option('--api-public-read <bool>', `let the status API's read routes answer without a token: true|false (${env.apiPublicRead}; default false; tokens come from ${env.apiAdminTokens} and ${env.apiReadTokens} only)`)
    .option('--webhook-max-body-bytes <n>', `largest webhook delivery accepted (${env.webhookMaxBodyBytes}; default 26214400, GitHub's own cap)`)
    .option('--webhook-rate-limit <n>', `webhook deliveries per minute from one address, 0 for no limit (${env.webhookRateLimit}; default 600)`)
    .option('--allowed-repos <globs>', `comma-separated repository URL patterns Applications may use, e.g. https://github.com/acme/* (${env.allowedRepos}; default any)`)
    .option('--allowed-destinations <globs>', `comma-separated namespace patterns Applications may write to (${env.allowedDestinations}; default any)`)
    .option('--allow-cluster-scoped <bool>', `whether Applications may apply cluster-scoped kinds: true|false (${env.allowClusterScoped}; default true)`)
    .option('--allow-http-repos <bool>', `allow plain http:// repositories: true|false (${env.allowHttpRepos}; default false)`)
    .option('--allow-private-repos <bool>', `allow repositories on loopback and private addresses: true|false (${env.allowPrivateRepos}; default true)`)
    .option('--allow-link-local-repos <bool>', `allow repositories on link-local and cloud metadata addresses: true|false (${env.allowLinkLocalRepos}; default false)`)
    .option('--default-service-account <name>', `ServiceAccount (in the Application's namespace) that Applications without serviceAccountName sync as (${env.defaultServiceAccount}; default: the controller's identity)`)
    .action(async (flags: ControllerFlags) => {
      const raw: RawControllerConfig = {
        kubeconfig: flags.kubeconfig, redisUrl: flags.redisUrl, appsFile: flags.apps, namespaces: flags.namespaces,
        watchCluster: flags.watchCluster, listen: flags.listen, concurrency: flags.concurrency, globalConcurrency: flags.globalConcurrency, cacheDir: flags.cacheDir,
        queuePrefix: flags.queuePrefix, shutdownTimeoutMs: flags.shutdownTimeout,
        stalledIntervalMs: flags.stalledInterval, lockDurationMs: flags.lockDuration, logLevel: flags.logLevel,
        allowedRepos: flags.allowedRepos, allowedDestinations: flags.allowedDestinations, allowClusterScoped: flags.allowClusterScoped,
        allowHttpRepos: flags.allowHttpRepos, allowPrivateRepos: flags.allowPrivateRepos, allowLinkLocalRepos: flags.allowLinkLocalRepos,
        defaultServiceAccount: flags.defaultServiceAccount,
        apiPublicRead: flags.apiPublicRead, webhookMaxBodyBytes: flags.webhookMaxBodyBytes, webhookRateLimit: flags.webhookRateLimit,
      };
      let config;
      try {
        config = resolveControllerConfig(raw);
      } catch (error) {
        if (error instanceof ConfigError) {
          console.error(`berth controller: ${error.message}`);
          process.exit(2);
        }
        throw error;
      }
      const log = createLogger(config.logLevel);
      // Loaded here, not at the top: the client commands (`berth apps`, ...) share
      // this entry point and should not pay for loading the whole controller.
      const { startController } = await import('../controller/controller.ts');
      let controller;
      try {
        controller = await startController(config, log);
      } catch (error) {
        log.fatal({ err: error instanceof Error ? error.message : String(error) }, 'controller could not start');
        process.exit(1);
      }
      let stopping = false;
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'draining in-flight reconciles');
        void controller.stop().then((drained) => {
          log.info({ drained }, 'controller stopped');
          process.exit(drained ? 0 : 1);
        });
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
