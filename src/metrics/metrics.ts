/**
 * Berth's Prometheus metrics, on a registry of their own (never prom-client's
 * global one, so two controllers in one process, as in tests, do not collide).
 * The registry also holds prom-client's default process metrics
 * (process_resident_memory_bytes, nodejs_eventloop_lag_seconds, ...).
 *
 * Promises: names follow Prometheus conventions (`berth_` prefix, `_total`
 * counters, `_seconds` durations); labels are low-cardinality and never carry
 * a URL or a secret (see labels.ts); each Application has exactly one
 * `berth_application_info` series, replaced when its status changes and
 * removed when it is deregistered; a scrape never waits more than
 * `queueDepthTimeoutMs` for Redis.
 *
 * This module only counts: the rest client, Git source, renderer, reconciler and
 * webhook route report to it through hooks wired in src/controller/controller.ts.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { resolveProvider, resolveRegistryProvider } from '../../webhooks/index.ts';
import { safeLabel, tokenLabel } from './labels.ts';

export interface MetricsOptions {
  /** Collect prom-client's default process and Node.js metrics; default true. */
  defaultMetrics?: boolean;
  /** How long a scrape waits for the queue's job counts; default 2 s. */
  queueDepthTimeoutMs?: number;
}

/** What one Application's info series says. */
export interface ApplicationInfo {
  syncStatus: string | undefined;
  healthStatus: string | undefined;
  /** The commit the status reports; never a URL. */
  revision: string | undefined;
}

export interface ApplicationName {
  namespace: string;
  name: string;
}

/** How a reconcile ended: done, done but following a rollout (a recheck is queued), or thrown. */
export type ReconcileResultLabel = 'success' | 'recheck' | 'error';

/** The Git network operations that are timed: listing the server's refs, and downloading a pack. */
export type GitOperation = 'list-refs' | 'fetch';

export interface BerthMetrics {
  readonly registry: Registry;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<{ contentType: string; body: string }>;
  /** One webhook delivery; `provider` is the path segment (unknown names count as `unknown`). */
  webhookRequest(provider: string, result: string): void;
  /** One answer of the Kubernetes API (`status` undefined: no HTTP answer at all), of `cluster` (its name, never its URL; default in-cluster). */
  kubeApiResponse(verb: string, status: number | undefined, cluster?: string): void;
  gitOperation(operation: GitOperation, seconds: number, ok: boolean): void;
  /** One render that ran (cache hits are not renders); `sourceType` undefined when it failed before detection. */
  rendered(sourceType: string | undefined, seconds: number, ok: boolean): void;
  reconciled(result: ReconcileResultLabel, seconds: number): void;
  /** One sync (not a dry run) with its phase (`Succeeded`, `Failed`). */
  synced(phase: string, seconds: number): void;
  rolledBack(): void;
  applicationStatus(app: ApplicationName, info: ApplicationInfo): void;
  applicationRemoved(app: ApplicationName): void;
  /** Where the queue depth comes from; asked on every scrape. */
  trackQueue(depth: () => Promise<Readonly<Record<string, number>>>): void;
}

const defaults = { defaultMetrics: true, queueDepthTimeoutMs: 2_000 } as const;

const kubeVerbs = new Set(['GET', 'LIST', 'WATCH', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const fastBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const slowBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export function createMetrics(options: MetricsOptions = {}): BerthMetrics {
  const settings = { ...defaults, ...options };
  const registry = new Registry();
  const registers = [registry];
  if (settings.defaultMetrics) collectDefaultMetrics({ register: registry });

  const applicationInfo = new Gauge({
    name: 'berth_application_info', registers,
    help: 'One series per Application, valued 1, labelled with its sync status, health status and revision.',
    labelNames: ['namespace', 'name', 'sync_status', 'health_status', 'revision'] as const,
  });
  const syncs = new Counter({ name: 'berth_syncs_total', help: 'Syncs carried out, by result (Succeeded, Failed).', labelNames: ['result'] as const, registers });
  const rollbacks = new Counter({ name: 'berth_rollbacks_total', help: 'Automatic rollbacks to the last healthy revision.', registers });
  const reconcileDuration = new Histogram({
    name: 'berth_reconcile_duration_seconds', help: 'Duration of one reconcile job, by result (success, recheck, error).',
    labelNames: ['result'] as const, buckets: slowBuckets, registers,
  });
  const syncDuration = new Histogram({ name: 'berth_sync_duration_seconds', help: 'Duration of one sync (apply and prune).', buckets: slowBuckets, registers });
  const gitDuration = new Histogram({
    name: 'berth_git_fetch_duration_seconds', help: 'Duration of Git network operations (list-refs, fetch), failed ones included.',
    labelNames: ['operation'] as const, buckets: fastBuckets, registers,
  });
  const gitFailures = new Counter({ name: 'berth_git_fetch_failures_total', help: 'Git network operations that failed.', labelNames: ['operation'] as const, registers });
  const renderDuration = new Histogram({
    name: 'berth_render_duration_seconds', help: 'Duration of one render, by source type (directory, kustomize, helm); cache hits excluded.',
    labelNames: ['source_type'] as const, buckets: fastBuckets, registers,
  });
  const renderFailures = new Counter({ name: 'berth_render_failures_total', help: 'Renders that failed, by source type.', labelNames: ['source_type'] as const, registers });
  const webhooks = new Counter({ name: 'berth_webhook_requests_total', help: 'Webhook deliveries, by provider and result.', labelNames: ['provider', 'result'] as const, registers });
  const kubeRequests = new Counter({
    name: 'berth_kube_api_requests_total', help: 'Kubernetes API requests, by HTTP verb, status code (<error>: no answer) and destination cluster name (in-cluster: the one Berth runs in).',
    labelNames: ['verb', 'code', 'cluster'] as const, registers,
  });
  let queueDepth: (() => Promise<Readonly<Record<string, number>>>) | undefined;
  // prom-client collects metrics concurrently: the gauge and the failure counter
  // share one reading per scrape, so the counter already includes this scrape's failure.
  let reading: Promise<Readonly<Record<string, number>> | undefined> | undefined;
  const readQueueDepth = (): Promise<Readonly<Record<string, number>> | undefined> => {
    reading ??= (async () => {
      if (!queueDepth) return undefined;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => { resolve(undefined); }, settings.queueDepthTimeoutMs); });
      try {
        const counts = await Promise.race([queueDepth(), timeout]);
        if (!counts) queueFailures.inc();
        return counts;
      } catch {
        queueFailures.inc();
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    })().finally(() => { reading = undefined; });
    return reading;
  };
  const queueFailures = new Counter({
    name: 'berth_queue_depth_collect_failures_total', help: 'Scrapes that could not read the queue depth from Redis in time.', registers,
    async collect() { await readQueueDepth(); },
  });
  new Gauge({
    name: 'berth_queue_jobs', help: 'Reconcile jobs in the queue, by state; absent when Redis did not answer in time.',
    labelNames: ['state'] as const, registers,
    async collect() {
      const counts = await readQueueDepth();
      this.reset();
      for (const [state, count] of Object.entries(counts ?? {})) this.set({ state: tokenLabel(state) }, count);
    },
  });

  const infoLabels = new Map<string, Record<'namespace' | 'name' | 'sync_status' | 'health_status' | 'revision', string>>();
  const keyOf = (app: ApplicationName): string => `${app.namespace}/${app.name}`;

  return {
    registry,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    webhookRequest(provider, result) {
      webhooks.inc({ provider: resolveProvider(provider) ?? resolveRegistryProvider(provider) ?? 'unknown', result: tokenLabel(result) });
    },
    kubeApiResponse(verb, status, cluster = 'in-cluster') {
      const upper = verb.toUpperCase();
      kubeRequests.inc({ verb: kubeVerbs.has(upper) ? upper : 'OTHER', code: status === undefined ? '<error>' : String(status), cluster: /^[a-z0-9][a-z0-9.-]{0,62}$/.test(cluster) ? cluster : 'other' });
    },
    gitOperation(operation, seconds, ok) {
      gitDuration.observe({ operation }, seconds);
      if (!ok) gitFailures.inc({ operation });
    },
    rendered(sourceType, seconds, ok) {
      const label = sourceType === undefined ? 'unknown' : tokenLabel(sourceType);
      renderDuration.observe({ source_type: label }, seconds);
      if (!ok) renderFailures.inc({ source_type: label });
    },
    reconciled(result, seconds) {
      reconcileDuration.observe({ result }, seconds);
    },
    synced(phase, seconds) {
      syncs.inc({ result: tokenLabel(phase) });
      syncDuration.observe(seconds);
    },
    rolledBack() {
      rollbacks.inc();
    },
    applicationStatus(app, info) {
      const labels = {
        namespace: safeLabel(app.namespace), name: safeLabel(app.name),
        sync_status: safeLabel(info.syncStatus), health_status: safeLabel(info.healthStatus), revision: safeLabel(info.revision, ''),
      };
      const key = keyOf(app);
      const previous = infoLabels.get(key);
      if (previous) applicationInfo.remove(previous);
      infoLabels.set(key, labels);
      applicationInfo.set(labels, 1);
    },
    applicationRemoved(app) {
      const key = keyOf(app);
      const previous = infoLabels.get(key);
      if (!previous) return;
      applicationInfo.remove(previous);
      infoLabels.delete(key);
    },
    trackQueue(depth) {
      queueDepth = depth;
    },
  };
}
