/**
 * The destination clusters of one controller (issue 19): the cluster Secrets of
 * the controller's namespace, watched; for each cluster an Application uses, a
 * REST client with its own connection pool, rate limit, discovery and breaker,
 * started on first use, replaced when its Secret changes (rotated credentials,
 * no restart), and closed after ten idle minutes.
 *
 * A reconcile `acquire`s its Application's destination and releases it when
 * done. What it gets back is either the cluster to work on, or why not now:
 * refused (by the Secret or a BerthPolicy; the Application says so), down (the
 * breaker is open: Unknown with the last error, retried when it closes), or
 * busy (the cluster already has its `concurrency` reconciles in this process:
 * retried in a second, so a slow cluster never holds every worker).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import type { KubeObject } from '../../objects.ts';
import { createDiscovery, type Discovery } from '../kube/discovery.ts';
import { loadKubeConfig, type KubeCredentials } from '../kube/kubeconfig.ts';
import { createListWatchTransport, startListWatch, type ListWatch } from '../kube/list-watch.ts';
import { createRestClient, type RestClient } from '../kube/rest.ts';
import { answered, closedBreaker, failed, waitUntil, type BreakerState } from './breaker.ts';
import { ClusterSecretError, clusterSecretLabel, clusterSecretLabelValue, parseClusterSecret, type ClusterConfig } from './cluster-secret.ts';
import { decideDestination, type DestinationRequest, type KnownCluster } from './destination.ts';
import { rateLimited } from './rate-limit.ts';

export type DestinationLease =
  | { kind: 'local'; name: string; release(): void }
  | { kind: 'remote'; name: string; rest: RestClient; discovery: Discovery; release(): void; unavailable(): boolean }
  | { kind: 'refused'; name: string; message: string }
  | { kind: 'down'; name: string; message: string; retryAt: number }
  | { kind: 'busy'; name: string; retryAt: number };

export interface Destinations {
  start(): Promise<void>;
  stop(): void;
  acquire(request: DestinationRequest): Promise<DestinationLease>;
  /** The cluster a destination names, by the Secrets alone (no policy): undefined when none matches or it is refused. */
  clusterNameOf(request: DestinationRequest): string | undefined;
  /** The connection of a named remote cluster for its self-heal watch; kept open (not idle-closed) once asked for. Throws when unknown or broken. */
  connection(name: string): Promise<{ rest: RestClient; discovery: Discovery }>;
  /** The clusters known now, by name, for the API and metrics. */
  clusters(): { name: string; server: string; connected: boolean; down: boolean; message?: string }[];
}

export interface DestinationsOptions {
  /** The controller's own cluster, where the cluster Secrets live. */
  rest: RestClient;
  controllerNamespace: string;
  /** Reconciles of one cluster at once when its Secret sets no `concurrency`. */
  defaultConcurrency: number;
  log: { warn(fields: object, message: string): void; info(fields: object, message: string): void };
  /** Told of every request to a destination cluster (for metrics: the cluster's name, never its URL). */
  onResponse?(cluster: string, method: string, status: number | undefined): void;
  now?: () => number;
  idleCloseMs?: number;
}

interface Connection {
  config: ClusterConfig;
  rest: RestClient;
  discovery: Discovery;
  inFlight: number;
  lastUsed: number;
  breaker: BreakerState;
  closing: boolean;
  /** A self-heal watch uses it: never closed for being idle. */
  watched: boolean;
}

const busyRetryMs = 1_000;

/** Credentials of a `config` Secret, in the shape the REST client takes from a kubeconfig. */
function tokenCredentials(config: ClusterConfig): KubeCredentials {
  const { auth } = config;
  if (auth.kind !== 'token') throw new Error('not a token cluster');
  const data = (value: string | undefined): Buffer | undefined => (value === undefined ? undefined : Buffer.from(value, 'base64'));
  return {
    getCurrentCluster: () => ({ server: config.server }),
    applyToHTTPSOptions(options: https.RequestOptions) {
      const ca = data(auth.caData);
      const cert = data(auth.certData);
      const key = data(auth.keyData);
      if (ca) options.ca = ca;
      if (cert) options.cert = cert;
      if (key) options.key = key;
      options.rejectUnauthorized = !auth.insecure;
      if (auth.bearerToken !== undefined) options.headers = { ...(options.headers as Record<string, string> | undefined), authorization: `Bearer ${auth.bearerToken}` };
      return Promise.resolve();
    },
  };
}

/** A kubeconfig Secret goes through the same loader as --kubeconfig (exec plugins included), from a private file. */
function kubeconfigCredentials(config: ClusterConfig, dir: string): KubeCredentials {
  const { auth } = config;
  if (auth.kind !== 'kubeconfig') throw new Error('not a kubeconfig cluster');
  const file = path.join(dir, `${config.name}.kubeconfig`);
  fs.writeFileSync(file, auth.kubeconfig, { mode: 0o600 });
  try {
    const credentials = loadKubeConfig({ kubeconfig: file, ...(auth.context ? { context: auth.context } : {}) });
    const server = credentials.getCurrentCluster()?.server.replace(/\/+$/, '');
    if (server !== config.server) throw new ClusterSecretError(`${config.source}: data.kubeconfig's cluster is ${server ?? 'missing'}, not data.server ${config.server}`);
    return credentials;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

export function createDestinations(options: DestinationsOptions): Destinations {
  const now = options.now ?? Date.now;
  const idleCloseMs = options.idleCloseMs ?? 10 * 60_000;
  const privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-clusters-'));
  const connections = new Map<string, Connection>();
  const watch: ListWatch<KnownCluster> = startListWatch<KnownCluster>({
    transport: createListWatchTransport(options.rest, { labelSelector: `${clusterSecretLabel}=${clusterSecretLabelValue}` }),
    path: `/api/v1/namespaces/${options.controllerNamespace}/secrets`,
    remember(object: KubeObject): KnownCluster {
      try {
        return { ok: true, config: parseClusterSecret(object) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        options.log.warn({ secret: `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}` }, `cluster Secret ignored: ${message}`);
        return { ok: false, name: object.metadata.name ?? '', source: `Secret ${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`, message };
      }
    },
    onEvent(event) {
      // A changed or deleted Secret: its connection goes once its reconciles finish; the next use opens a new one.
      if (event.type !== 'added' && event.previous?.ok) retire(event.previous.config.name);
    },
    onError(error) {
      options.log.warn({ watch: 'cluster Secrets', err: error instanceof Error ? error.message : String(error) }, 'cluster Secret watch interrupted; retrying');
    },
  });

  function retire(name: string): void {
    const connection = connections.get(name);
    if (!connection) return;
    connections.delete(name);
    connection.closing = true;
    if (connection.inFlight === 0) connection.rest.close();
    options.log.info({ cluster: name }, 'cluster connection closed (Secret changed or removed, or idle)');
  }

  async function connect(config: ClusterConfig): Promise<Connection> {
    const credentials = config.auth.kind === 'token' ? tokenCredentials(config) : kubeconfigCredentials(config, privateDir);
    const connection: Connection = {
      config, rest: undefined as unknown as RestClient, discovery: undefined as unknown as Discovery,
      inFlight: 0, lastUsed: now(), breaker: closedBreaker, closing: false, watched: false,
    };
    const raw = await createRestClient(credentials, {
      maxSockets: Math.max(4, (config.concurrency ?? options.defaultConcurrency) * 4),
      onResponse(method, status) {
        // Every answer below 500 says the cluster is there; none, or a 5xx, counts against it.
        connection.breaker = status !== undefined && status < 500
          ? answered()
          : failed(connection.breaker, status === undefined ? 'no answer' : `HTTP ${status}`, now());
        options.onResponse?.(config.name, method, status);
      },
    });
    connection.rest = rateLimited(raw, { qps: config.qps, burst: config.burst });
    connection.discovery = createDiscovery(connection.rest);
    return connection;
  }

  /** The open connection of a cluster at its Secret's current version, opened (once) if need be. */
  async function connectionOf(config: ClusterConfig): Promise<Connection> {
    const current = connections.get(config.name);
    if (current && current.config.version === config.version) return current;
    if (current) retire(config.name);
    const opened = await connect(config);
    // Another caller may have connected meanwhile: keep one.
    const existing = connections.get(config.name);
    if (existing && existing.config.version === config.version) {
      opened.rest.close();
      return existing;
    }
    connections.set(config.name, opened);
    return opened;
  }

  const idleTimer = setInterval(() => {
    for (const [name, connection] of connections) {
      if (connection.inFlight === 0 && !connection.watched && now() - connection.lastUsed > idleCloseMs) retire(name);
    }
  }, 60_000);
  idleTimer.unref();

  return {
    async start() {
      await watch.start().catch((error: unknown) => {
        options.log.warn({ watch: 'cluster Secrets', err: error instanceof Error ? error.message : String(error) }, 'cluster Secrets not listed; retrying');
      });
    },
    stop() {
      watch.stop();
      clearInterval(idleTimer);
      for (const connection of connections.values()) connection.rest.close();
      connections.clear();
      fs.rmSync(privateDir, { recursive: true, force: true });
    },
    clusterNameOf(request) {
      const decision = decideDestination({ ...request, policyClusters: [] }, watch.values());
      return decision.kind === 'refused' ? undefined : decision.name;
    },
    async connection(name) {
      const known = watch.values().find((cluster) => cluster.ok && cluster.config.name === name);
      if (!known?.ok) throw new Error(`cluster ${name}: no valid cluster Secret names it`);
      const connection = await connectionOf(known.config);
      connection.watched = true;
      return { rest: connection.rest, discovery: connection.discovery };
    },
    async acquire(request) {
      const decision = decideDestination(request, watch.values());
      if (decision.kind === 'refused') return decision;
      if (decision.kind === 'local') return { kind: 'local', name: decision.name, release: () => undefined };
      const { config } = decision;
      let connection: Connection;
      try {
        connection = await connectionOf(config);
      } catch (error) {
        return { kind: 'refused', name: config.name, message: `cluster ${config.name}: ${error instanceof Error ? error.message : String(error)}` };
      }
      const waitFor = waitUntil(connection.breaker, now());
      if (waitFor !== undefined) {
        return { kind: 'down', name: config.name, retryAt: waitFor, message: `cluster ${config.name} is not answering (${connection.breaker.lastError ?? 'no answer'}, ${connection.breaker.failures} requests in a row); retrying at ${new Date(waitFor).toISOString()}` };
      }
      if (connection.inFlight >= (config.concurrency ?? options.defaultConcurrency)) return { kind: 'busy', name: config.name, retryAt: now() + busyRetryMs };
      connection.inFlight += 1;
      connection.lastUsed = now();
      const held = connection;
      let released = false;
      return {
        kind: 'remote', name: config.name, rest: held.rest, discovery: held.discovery,
        // Its last request got no answer or a 5xx: what failed now is the cluster, not the revision.
        unavailable: () => held.breaker.failures > 0,
        release() {
          if (released) return;
          released = true;
          held.inFlight -= 1;
          held.lastUsed = now();
          if (held.closing && held.inFlight === 0) held.rest.close();
        },
      };
    },
    clusters() {
      return watch.values().map((known) => {
        if (!known.ok) return { name: known.name, server: '', connected: false, down: false, message: known.message };
        const connection = connections.get(known.config.name);
        const down = connection !== undefined && waitUntil(connection.breaker, now()) !== undefined;
        return { name: known.config.name, server: known.config.server, connected: connection !== undefined, down, ...(down ? { message: connection.breaker.lastError ?? '' } : {}) };
      });
    },
  };
}
