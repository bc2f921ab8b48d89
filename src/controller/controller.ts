/**
 * The composition root of `berth controller`: real clients for the cluster,
 * Redis, Git and the renderers, the Application registry (file and cluster),
 * the queue's workers and poll schedulers, and the health endpoints. Start-up
 * fails fast with a clear message when Redis or the cluster cannot be reached;
 * after that, losing either is retried with backoff and never crashes the process.
 */
import http from 'node:http';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { ControllerConfig } from '../config/controller-config.ts';
import { watchApplications, type ApplicationWatch } from '../application/index.ts';
import { loadApplicationsFile } from './applications-file.ts';
import { createClusterClient } from '../kube/cluster-client.ts';
import { clusterCapabilities, createDiscovery, objectPath } from '../kube/discovery.ts';
import { loadKubeConfig } from '../kube/kubeconfig.ts';
import { createRestClient, type RestClient } from '../kube/rest.ts';
import { impersonatingClient, serviceAccountUser } from '../kube/impersonation.ts';
import { securityPolicyOf, serviceAccountOf } from '../policy/from-config.ts';
import { createBerthPolicyLookup } from '../policy/berth-policy-cache.ts';
import { createDestinations } from '../clusters/destinations.ts';
import { localClusterName } from '../clusters/cluster-secret.ts';
import { chartPollKey } from '../source/helm-poll-key.ts';
import { applicationCredentials } from '../source/application-credentials.ts';
import { verifyKeys } from '../source/verify-keys.ts';
import type { Logger } from '../log.ts';
import { defaultRetry, redisTarget, resolveQueueOptions } from '../queue/options.ts';
import { redactedRedisUrl } from '../queue/redis-address.ts';
import { openRedis } from '../queue/redis-client.ts';
import { infrastructureRetryPolicy } from '../queue/backoff.ts';
import { retryTransient } from '../kube/transient-errors.ts';
import { PollSchedulers } from '../queue/poll-schedulers.ts';
import { startPollWorker, type PollWorker } from '../queue/poll-worker.ts';
import { ReconcileQueue } from '../queue/reconcile-queue.ts';
import { startReconcileWorker, type ReconcileWorker } from '../queue/reconcile-worker.ts';
import { Renderer } from '../render/render.ts';
import { RedisRenderStore } from '../render/redis-render-store.ts';
import { GitSource } from '../source/git-source.ts';
import { RedisFetchCoordinator } from '../source/redis-fetch-coordinator.ts';
import { credentialsFromEnvironment } from '../source/repository.ts';
import { formatRef, type ObjectRef } from '../../objects.ts';
import { createAppRegistry, keyOf, type AppOrigin, type AppRegistry, type RegisteredApp } from '../application/app-registry.ts';
import { createListWatchTransport } from '../kube/list-watch.ts';
import { watchClusterHealthRules } from '../health-rules/health-rule-watch.ts';
import { dependencyKeys } from '../dependencies/graph.ts';
import { createManagedWatch, type ManagedChange, type ManagedWatch } from './managed-watch.ts';
import { createClusterWatches } from './cluster-watches.ts';
import { createReconciler } from './reconcile/reconciler.ts';
import { ChartSources } from '../source/helm-source.ts';
import { chartCredentialTable } from '../source/helm-secret.ts';
import { enforceSourcePolicy } from '../policy/enforce.ts';
import { createReleaseStore, type ReleaseStore } from './release-store.ts';
import { createStatusSink, type StatusSink } from './status-sink.ts';
import { forgettingRemoved, reportingStatus, timedReconcile } from './metrics-instrument.ts';
import { createMetrics, type BerthMetrics } from '../metrics/metrics.ts';
import { createApp } from '../server/app.ts';
import { RedisDeliveryLog } from '../server/delivery-log.ts';
import { RedisStatusStore } from '../server/status-store.ts';
import { RedisChangeFeed } from '../server/console/change-feed.ts';
import { createLiveReader } from '../server/console/live-reader.ts';
import { RedisSessionStore } from '../server/console/session-store.ts';
import { parseRepository } from '../source/repository.ts';
import { webhookSecretsFromEnvironment } from '../server/webhook-secrets.ts';
import { createNotifications } from '../notify/notifications.ts';

/** How often the poll schedulers in Redis are re-asserted from the registry. */
const schedulerResyncIntervalMs = 30_000;

export interface Controller {
  registry: AppRegistry;
  status: StatusSink;
  queue: ReconcileQueue;
  /** Prometheus metrics, served at GET /metrics. */
  metrics: BerthMetrics;
  /** The address the HTTP endpoints listen on. */
  address: { host: string; port: number };
  /** Stop taking work, wait for in-flight reconciles (up to the shutdown timeout), close everything. */
  stop(): Promise<boolean>;
}

/** The release store, telling the managed-object watch every inventory it loads or saves. */
function reportingInventories(store: ReleaseStore, managed: ManagedWatch): ReleaseStore {
  return {
    async load(app) {
      const record = await store.load(app);
      managed.setInventory(keyOf(app), record.inventory.entries);
      return record;
    },
    async save(app, record) {
      await store.save(app, record);
      managed.setInventory(keyOf(app), record.inventory.entries);
    },
  };
}

async function checkReachable(rest: RestClient, redis: Redis, config: ControllerConfig): Promise<void> {
  try {
    await rest.request('GET', '/version');
  } catch (error) {
    throw new Error(`cannot reach the Kubernetes API at ${rest.server}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    await redis.ping();
  } catch (error) {
    throw new Error(`cannot reach Redis at ${redactedRedisUrl(config.redisUrl)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

export async function startController(config: ControllerConfig, log: Logger): Promise<Controller> {
  const kc = loadKubeConfig(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {});
  const metrics = createMetrics();
  const rest = await createRestClient(kc, { maxSockets: 64, onResponse: (verb, code) => { metrics.kubeApiResponse(verb, code); } });
  const redisRetry = (n: number): number => Math.min(30_000, 200 * 2 ** n);
  const redis = openRedis(redisTarget(config.redisUrl, redisRetry), { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: redisRetry });
  await redis.connect().catch(() => undefined);
  // Start-up reads retry what is transient (429 right after the CRD is Established, 5xx, a refused
  // connection) with the queue's infrastructure retry policy, as every later read does (issue 21);
  // what cannot change by itself (a bad kubeconfig, 401, 403) still fails at once.
  const startupRetry = infrastructureRetryPolicy(defaultRetry);
  await retryTransient(() => checkReachable(rest, redis, config), {
    policy: startupRetry,
    onRetry: (error, attempt, delayMs) => { log.warn({ attempt, delayMs, err: error instanceof Error ? error.message : String(error) }, 'start-up check failed; retrying'); },
  });

  const discovery = createDiscovery(rest);
  const cluster = createClusterClient(rest, discovery);
  const policy = securityPolicyOf(config);
  const git = new GitSource({ cacheDir: path.join(config.cacheDir, 'git'), coordinator: new RedisFetchCoordinator(redis, `${config.queuePrefix}:source:`), network: policy,
    maxObjectBytes: config.gitMaxObjectBytes, maxRepositoryBytes: config.gitMaxRepositoryBytes, maxFetchBytes: config.gitMaxFetchBytes,
    sshTrustOnFirstUse: config.sshTrustOnFirstUse,
    onRemote: (operation, seconds, ok) => { metrics.gitOperation(operation, seconds, ok); },
  });
  // Helm repository and OCI sources: dependency URLs pass the same source policy as repoURL.
  const charts = new ChartSources({ cacheDir: path.join(config.cacheDir, 'charts'), network: policy, plainHttp: policy.allowHttpRepos,
    checkUrl: (url) => { enforceSourcePolicy(url, policy); },
    onRemote: (operation, seconds, ok) => { metrics.gitOperation(operation === 'fetch' ? 'fetch' : 'list-refs', seconds, ok); },
  });
  const renderer = new Renderer({
    workDir: path.join(config.cacheDir, 'render'),
    memoryLimitBytes: config.renderMemoryLimitBytes, cpuSeconds: config.renderCpuSeconds, maxRenderBytes: config.renderMaxBytes,
    toolConcurrency: config.renderConcurrency,
    allowedRemoteBases: config.allowedRemoteBases, networkPolicy: policy,
    onRender: (kind, seconds, ok) => { metrics.rendered(kind, seconds, ok); },
    // Helm renders for this cluster's version and API versions (issue 21), read once and refreshed rarely.
    clusterCapabilities: clusterCapabilities(rest),
    // Helm and Kustomize renders are shared and outlive restarts: a chart's random values stay as first rendered (issue 21).
    store: new RedisRenderStore(redis, { prefix: `${config.queuePrefix}:render:`, warn: (fields, message) => { log.warn(fields, message); } }),
  });
  // Wrapped so that an Application's metric series go when the Application does.
  const registry = forgettingRemoved(createAppRegistry({ chartPollKey }), metrics);
  // Status for the API lives in Redis: every replica behind the Service answers the same.
  const statusStore = new RedisStatusStore(redis, {
    prefix: config.queuePrefix,
    // The console's list row shows the subject and author of the commit this replica just rendered.
    describeCommit(key, revision) {
      const found = registry.get(key);
      if (!found?.valid) return Promise.resolve(undefined);
      try {
        return Promise.resolve(git.describedCommit(parseRepository(found.spec.source.repoURL).url, revision));
      } catch {
        return Promise.resolve(undefined);
      }
    },
  });
  const status = reportingStatus(createStatusSink(rest, log, statusStore), metrics, (key) => registry.get(key) !== undefined);
  // The console's change feed: one blocking reader of the stream per replica, and every list row in memory.
  const consoleFeed = new RedisChangeFeed(redis, { prefix: config.queuePrefix, log });
  await consoleFeed.start();
  const environmentCredentials = credentialsFromEnvironment();

  const queueOptions = resolveQueueOptions({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    concurrency: config.concurrency,
    ...(config.globalConcurrency !== undefined ? { globalConcurrency: config.globalConcurrency } : {}),
    drainTimeoutMs: config.shutdownTimeoutMs,
    stalledIntervalMs: config.stalledIntervalMs,
    lockDurationMs: config.lockDurationMs,
    // pino's (fields, message) signature is the queue's log interface as it is.
    log,
  });
  const queue = new ReconcileQueue(queueOptions);
  metrics.trackQueue(() => queue.depth());
  const schedulers = new PollSchedulers(queueOptions);

  // Self-heal: a change of a managed object by someone else queues its Application.
  const onManagedChange = (key: string, ref: ObjectRef, change: ManagedChange): void => {
    if (!registry.get(key)) return;
    log.debug({ app: key, object: formatRef(ref), change }, 'managed object changed');
    queue.enqueue({ app: key, reason: 'watch' })
      .catch((error: unknown) => { log.warn({ app: key, err: error instanceof Error ? error.message : String(error) }, 'could not queue a reconcile'); });
  };
  const onManagedError = (error: unknown, watched: string): void => {
    log.warn({ watch: watched, err: error instanceof Error ? error.message : String(error) }, 'managed-object watch interrupted; retrying');
  };
  // Destination clusters: the cluster Secrets of the controller's namespace (src/clusters).
  const destinations = createDestinations({
    rest, controllerNamespace: config.controllerNamespace, defaultConcurrency: config.clusterConcurrency, log,
    onResponse: (clusterName, method, status) => { metrics.kubeApiResponse(method, status, clusterName); },
  });
  // One watch per destination cluster (src/controller/cluster-watches.ts); the local one as before.
  const managed = createClusterWatches({
    local: createManagedWatch({
      transport: createListWatchTransport(rest),
      namespaces: config.namespaces,
      async collectionPath(kind, namespace) {
        const info = await discovery.resolve(kind.group ? `${kind.group}/${kind.version}` : kind.version, kind.kind);
        return objectPath({ ...info, namespaced: info.namespaced && namespace !== '' }, namespace, '');
      },
      onChange: onManagedChange,
      onError: onManagedError,
    }),
    namespaces: config.namespaces,
    clusterOf(key) {
      const app = registry.get(key);
      if (!app?.valid) return localClusterName;
      return destinations.clusterNameOf({
        applicationNamespace: app.application.metadata.namespace,
        destination: { name: app.spec.clusterName, server: app.spec.server, namespace: app.spec.destinationNamespace },
        policyClusters: [],
      });
    },
    connect: (name) => destinations.connection(name),
    onChange: onManagedChange,
    onError: onManagedError,
  });
  // Notifications: told by the reconcile, delivered by a queue of their own (src/notify).
  const notifications = createNotifications({
    rest, redis, queueOptions, registry: metrics.registry, log,
    settings: {
      controllerNamespace: config.controllerNamespace, namespaces: config.namespaces, consoleUrl: config.consoleUrl,
      concurrency: config.notificationConcurrency, attempts: config.notificationAttempts, ratePerMinute: config.notificationRatePerMinute,
      allowPrivate: config.notificationAllowPrivate, allowHttp: config.notificationAllowHttp,
    },
    application(key) {
      const known = registry.get(key);
      return known?.valid && known.origin === 'cluster' ? known.application : undefined;
    },
    controllerAccess: { reader: rest, identity: 'the controller' },
    secretAccess(key) {
      const known = registry.get(key);
      const serviceAccount = known?.valid ? serviceAccountOf(known.spec, config) : undefined;
      if (!known?.valid || !serviceAccount) return { reader: rest, identity: 'the controller' };
      const identity = { namespace: known.application.metadata.namespace, name: serviceAccount };
      return { reader: impersonatingClient(rest, identity), identity: serviceAccountUser(identity) };
    },
  });
  const releases = reportingInventories(createReleaseStore(rest, { namespace: config.controllerNamespace, live: cluster, log }), managed);
  // The cluster's HealthRules (CEL health of operators' kinds), watched; each reconcile reads the current set.
  const clusterHealthRules = watchClusterHealthRules({ rest, log });

  const namespacePolicy = createBerthPolicyLookup({ rest, controllerNamespace: config.controllerNamespace, log });
  const reconcile = createReconciler({
    registry, git, charts,
    async chartCredentials(app) {
      const { namespace } = app.application.metadata;
      const serviceAccount = serviceAccountOf(app.spec, config);
      const identity = serviceAccount ? { namespace, name: serviceAccount } : undefined;
      return chartCredentialTable({ namespace, secretName: app.spec.source.credentialsSecret, repoURL: app.spec.source.repoURL }, {
        reader: identity ? impersonatingClient(rest, identity) : rest,
        identity: identity ? serviceAccountUser(identity) : 'the controller',
      });
    },
    renderer, cluster, status, log, releases, policy, events: notifications.events,
    clusterHealthRules: () => clusterHealthRules.rules(),
    async enqueueDependants(key) {
      const dependants = registry.list().filter((other) => other.valid && dependencyKeys(other.application.metadata.namespace, other.spec.dependsOn).includes(key));
      await Promise.all(dependants.map((other) => queue.enqueue({ app: other.key, reason: 'watch' })));
    },
    namespacePolicy,
    // The Application's destination cluster (issue 19); impersonation applies in that cluster.
    async destination(app) {
      const { namespace } = app.application.metadata;
      const rules = (await namespacePolicy(namespace).catch(() => undefined))?.rules ?? [];
      const lease = await destinations.acquire({
        applicationNamespace: namespace,
        destination: { name: app.spec.clusterName, server: app.spec.server, namespace: app.spec.destinationNamespace },
        policyClusters: rules.map((rule) => ({ source: rule.source, allowedClusters: rule.allowedClusters })),
      });
      if (lease.kind === 'refused') return { kind: 'refused', cluster: lease.name, message: lease.message };
      if (lease.kind === 'down') return { kind: 'wait', cluster: lease.name, message: lease.message };
      if (lease.kind === 'busy') return { kind: 'wait', cluster: lease.name, message: undefined };
      const serviceAccount = serviceAccountOf(app.spec, config);
      const target = lease.kind === 'remote' ? lease.rest : rest;
      const targetDiscovery = lease.kind === 'remote' ? lease.discovery : discovery;
      const client = serviceAccount
        ? createClusterClient(impersonatingClient(target, { namespace, name: serviceAccount }), targetDiscovery)
        : lease.kind === 'remote' ? createClusterClient(target, targetDiscovery) : cluster;
      return {
        kind: 'ready', cluster: lease.name, client, release: () => { lease.release(); },
        unavailable: () => lease.kind === 'remote' && lease.unavailable(),
      };
    },
    // source.verify's keys: read as the Application too, from its own namespace.
    async verifyKeys(app) {
      const { namespace } = app.application.metadata;
      const serviceAccount = serviceAccountOf(app.spec, config);
      const identity = serviceAccount ? { namespace, name: serviceAccount } : undefined;
      return verifyKeys({ namespace, secretName: app.spec.source.verify?.secretRef.name ?? '' }, {
        reader: identity ? impersonatingClient(rest, identity) : rest,
        identity: identity ? serviceAccountUser(identity) : 'the controller',
      });
    },
    // Read as the Application (its ServiceAccount, else the controller), bound to the Secret's URL prefixes.
    async credentials(app) {
      const { namespace } = app.application.metadata;
      const serviceAccount = serviceAccountOf(app.spec, config);
      const identity = serviceAccount ? { namespace, name: serviceAccount } : undefined;
      return applicationCredentials({ namespace, secretName: app.spec.source.credentialsSecret, repoURL: app.spec.source.repoURL }, {
        reader: identity ? impersonatingClient(rest, identity) : rest,
        identity: identity ? serviceAccountUser(identity) : 'the controller',
        environment: environmentCredentials, gitCredentialHosts: config.gitCredentialHosts,
        sshTrustOnFirstUse: config.sshTrustOnFirstUse,
      });
    },
  });

  // Registry changes move the poll schedulers and queue a reconcile of what changed.
  let schedulerSync = Promise.resolve();
  // Coalesced: registering 1,000 Applications at start-up asks 1,000 times, and
  // one pass over the registry after the last ask answers them all.
  let resyncPending = false;
  const resyncSchedulers = (): void => {
    if (resyncPending) return;
    resyncPending = true;
    schedulerSync = schedulerSync
      .then(async () => {
        resyncPending = false;
        await schedulers.syncSchedulers(registry.pollTargets());
      })
      .catch((error: unknown) => { log.warn({ err: error instanceof Error ? error.message : String(error) }, 'poll schedulers not updated'); });
  };
  const register = async (raw: unknown, origin: AppOrigin, where: string, reason: 'startup' | 'watch'): Promise<RegisteredApp> => {
    const app = registry.upsert(raw, origin, where);
    resyncSchedulers();
    // Watch what it manages before its first reconcile here: another replica may run that one.
    if (app.valid && !managed.knows(app.key)) {
      releases.load(app.application.metadata)
        .catch((error: unknown) => { log.warn({ app: app.key, err: error instanceof Error ? error.message : String(error) }, 'release record not read'); });
    }
    await queue.enqueue({ app: app.key, reason });
    return app;
  };

  if (config.appsFile) {
    const file = await loadApplicationsFile(config.appsFile);
    for (const application of file.applications) await register(application, 'file', config.appsFile, 'startup');
    for (const invalid of file.invalid) log.error({ where: invalid.where }, invalid.message);
  }
  let watch: ApplicationWatch | undefined;
  if (config.watchCluster) {
    watch = watchApplications(rest, {
      namespaces: config.namespaces,
      onEvent: (event) => {
        const { metadata } = event.object;
        // The registry's own key (formatApplicationKey), not one spelled out here.
        const key = keyOf({ namespace: metadata.namespace ?? '', name: metadata.name ?? '' });
        if (event.type === 'deleted') {
          managed.forget(key);
          if (registry.remove(key)) resyncSchedulers();
          consoleFeed.forget(key).catch((error: unknown) => { log.warn({ app: key, err: error instanceof Error ? error.message : String(error) }, 'console row of a deleted Application not removed'); });
          return;
        }
        // Status writes come back as updates too: only a new generation is a new spec.
        const known = registry.get(key);
        if (event.type === 'updated' && known?.valid && known.application.metadata.generation === metadata.generation) return;
        void register(event.object, 'cluster', 'cluster', event.type === 'resync' ? 'startup' : 'watch')
          .catch((error: unknown) => { log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not queue an Application'); });
      },
      onError: (error, namespace) => {
        log.warn({ namespace, err: error instanceof Error ? error.message : String(error) }, 'Application watch interrupted; retrying');
      },
      startRetry: startupRetry,
    });
    await watch.start();
  }

  await clusterHealthRules.start();
  await destinations.start();
  await notifications.start();
  const workers: (ReconcileWorker | PollWorker)[] = [
    await startReconcileWorker(queue, timedReconcile(reconcile, metrics)),
    await startPollWorker(queue, (key) => registry.tracking(key)),
  ];
  resyncSchedulers();
  // Poll schedulers live in Redis: a Redis that lost its data (restarted without
  // persistence) has none, and nothing else would recreate them. Upserting is
  // idempotent, so re-asserting them on every reconnect and now and then is cheap.
  redis.on('ready', resyncSchedulers);
  const schedulerTimer = setInterval(resyncSchedulers, schedulerResyncIntervalMs);
  schedulerTimer.unref();

  const app = createApp({
    registry, statuses: statusStore, queue, log,
    console: {
      sessions: new RedisSessionStore(redis, { prefix: config.queuePrefix, ttlMs: config.consoleSessionTtlMs }),
      secureCookies: config.consoleSecureCookie,
      summaries: consoleFeed, feed: consoleFeed,
      live: createLiveReader(rest, discovery),
    },
    deliveries: new RedisDeliveryLog(redis, config.queuePrefix),
    notifications: notifications.api,
    ready: () => checkReachable(rest, redis, config),
    metrics,
    auth: { adminTokens: config.apiAdminTokens, readTokens: config.apiReadTokens, publicRead: config.apiPublicRead },
    webhooks: {
      secretOf: webhookSecretsFromEnvironment(),
      maxBodyBytes: config.webhookMaxBodyBytes,
      maxInflightBytes: config.webhookMaxInflightBytes,
      rateLimit: { perMinute: config.webhookRateLimit, burst: config.webhookRateLimit },
    },
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(config.listen.port, config.listen.host, resolve));
  const bound = server.address();
  const address = typeof bound === 'object' && bound ? { host: bound.address, port: bound.port } : config.listen;
  log.info({ listen: `${address.host}:${address.port}`, apps: registry.list().length }, 'controller started');

  return {
    registry, status, queue, metrics, address,
    async stop() {
      clearInterval(schedulerTimer);
      redis.off('ready', resyncSchedulers);
      await watch?.stop();
      await managed.stop();
      clusterHealthRules.stop();
      destinations.stop();
      server.close();
      const finished = await Promise.all([...workers.map((worker) => worker.drain(config.shutdownTimeoutMs).catch(() => false)), notifications.drain(config.shutdownTimeoutMs).catch(() => false)]);
      await notifications.close();
      await schedulerSync;
      await Promise.all([queue.close(), schedulers.close()]);
      // Event streams never end by themselves (the browser reconnects, to another replica), so they are cut once the work is drained.
      server.closeAllConnections();
      await consoleFeed.stop();
      redis.disconnect();
      rest.close();
      return finished.every(Boolean);
    },
  };
}
