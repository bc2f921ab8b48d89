/**
 * A real local Kubernetes control plane plus Redis, on loopback, for tests, the
 * demo and people developing Berth:
 *   etcd -> kube-apiserver -> kube-controller-manager, kube-scheduler, kwok (fake
 *   nodes that really run pods through their lifecycle), and a private redis-server.
 * Everything lives in one temp folder that `stop()` removes, and no process
 * outlives the run: children are stopped on stop(), on SIGINT/SIGTERM, on exit,
 * and reaped by the next start when the owner was killed outright.
 */
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as yaml from 'js-yaml';
import { Redis } from 'ioredis';
import { controlPlaneBinaries } from './assets.ts';
import { commands, componentNames, type ComponentName, type Layout } from './components.ts';
import { createPki } from './pki.ts';
import { freePorts } from './ports.ts';
import { isRunning, startProcess, stopProcess, tailLog, type ManagedProcess } from './processes.ts';
import { createRunDir, destroyRun, reapAbandonedRuns, recordChild } from './run-registry.ts';
import { writeKwokConfig, createFakeNodes, waitForNodesReady } from './kwok.ts';

export interface ControlPlaneOptions {
  /** Fake nodes managed by kwok. */
  nodes?: number;
  /** Redis with an append-only file, for tests that restart it and expect the queue back. */
  redisPersistence?: boolean;
  /** Called with progress lines ("etcd ready", ...). */
  log?: (line: string) => void;
}

export interface ControlPlane {
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly apiServerUrl: string;
  readonly redisUrl: string;
  readonly logDir: string;
  /** Stops one component (fault tests); `startComponent` brings it back on the same port and data. */
  stopComponent(name: ComponentName, signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  startComponent(name: ComponentName): Promise<void>;
  stop(): Promise<void>;
}

const readyTimeoutMs = 90_000;

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = options.log ?? (() => undefined);
  reapAbandonedRuns();
  const binaries = await controlPlaneBinaries();
  const dir = createRunDir();
  const logDir = path.join(dir, 'logs');
  fs.mkdirSync(logDir);
  fs.mkdirSync(path.join(dir, 'redis'));

  const running = new Map<ComponentName, ManagedProcess>();
  let stopped = false;
  const killAllNow = (): void => {
    for (const p of running.values()) if (isRunning(p)) p.child.kill('SIGKILL');
    destroyRun(dir);
  };
  // Last resort for a runner that exits without calling stop(): synchronous kill.
  process.once('exit', killAllNow);

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Reverse start order: the API server's clients before the API server, etcd last.
    for (const name of [...componentNames].reverse()) {
      const p = running.get(name);
      if (p) await stopProcess(p);
    }
    destroyRun(dir);
    process.removeListener('exit', killAllNow);
  };

  try {
    const layout: Layout = {
      dir,
      binaries,
      pki: await createPki(path.join(dir, 'pki')),
      kubeconfig: path.join(dir, 'kubeconfig'),
      kwokConfig: path.join(dir, 'kwok.yaml'),
      ports: await freePorts(['etcdClient', 'etcdPeer', 'apiServer', 'controllerManager', 'scheduler', 'kwok', 'redis']),
      redisPersistence: options.redisPersistence ?? false,
    };
    const apiServerUrl = `https://127.0.0.1:${layout.ports.apiServer}`;
    const redisUrl = `redis://127.0.0.1:${layout.ports.redis}`;
    writeKubeconfig(layout, apiServerUrl);
    writeKwokConfig(layout, path.join(import.meta.dirname, 'kwok', 'pod-never-ready.yaml'));

    const launch = (name: ComponentName): ManagedProcess => {
      const { command, args } = commands[name](layout);
      // cwd inside the run folder marks the process as this run's (see run-registry.ts).
      const p = startProcess({ name, command, args, logDir, cwd: dir });
      recordChild(dir, p.child.pid);
      running.set(name, p);
      return p;
    };
    const waitReady = async (name: ComponentName): Promise<void> => {
      const p = running.get(name);
      if (!p) throw new Error(`${name} is not running`);
      await waitFor(`${name} ready`, p, () => probe(name, layout));
      log(`${name} ready`);
    };

    launch('etcd');
    launch('redis');
    await waitReady('etcd');
    launch('kube-apiserver');
    await waitReady('kube-apiserver');
    launch('kube-controller-manager');
    launch('kube-scheduler');
    launch('kwok');
    await waitReady('redis');
    await createFakeNodes(layout.kubeconfig, options.nodes ?? 2);
    await waitForNodesReady(layout.kubeconfig, options.nodes ?? 2, readyTimeoutMs, () => {
      for (const p of running.values()) if (!isRunning(p)) throw exitedError(p);
    });
    log('nodes ready');

    return {
      dir,
      kubeconfigPath: layout.kubeconfig,
      apiServerUrl,
      redisUrl,
      logDir,
      stop,
      async stopComponent(name, signal = 'SIGTERM') {
        const p = running.get(name);
        if (!p) return;
        if (signal === 'SIGKILL') {
          p.child.kill('SIGKILL');
          await p.exited;
        } else {
          await stopProcess(p);
        }
      },
      async startComponent(name) {
        const p = running.get(name);
        if (p && isRunning(p)) return;
        launch(name);
        await waitReady(name);
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function exitedError(p: ManagedProcess): Error {
  return new Error(`${p.name} exited (code ${p.child.exitCode ?? p.child.signalCode ?? '?'}); last lines of its log:\n${tailLog(p)}`);
}

async function waitFor(what: string, p: ManagedProcess, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(p)) throw exitedError(p);
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}; last lines of its log:\n${tailLog(p)}`);
}

async function probe(name: ComponentName, l: Layout): Promise<boolean> {
  switch (name) {
    case 'etcd': {
      const response = await fetch(`http://127.0.0.1:${l.ports.etcdClient}/health`);
      return response.ok;
    }
    case 'kube-apiserver':
      return (await httpsGet(`https://127.0.0.1:${l.ports.apiServer}/readyz`, l)) === 200;
    case 'redis': {
      const client = new Redis(l.ports.redis, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined); // connect() rejects with the same error; the event would only be printed
      try {
        await client.connect();
        await client.ping();
        return true;
      } finally {
        client.disconnect();
      }
    }
    default:
      return true;
  }
}

async function httpsGet(url: string, l: Layout): Promise<number> {
  return await new Promise((resolve, reject) => {
    const request = https.get(url, {
      ca: fs.readFileSync(l.pki.caCert),
      cert: fs.readFileSync(l.pki.adminCert),
      key: fs.readFileSync(l.pki.adminKey),
      timeout: 2_000,
    }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

function writeKubeconfig(l: Layout, server: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'berth-local', cluster: { server, 'certificate-authority': l.pki.caCert } }],
    users: [{ name: 'berth-admin', user: { 'client-certificate': l.pki.adminCert, 'client-key': l.pki.adminKey } }],
    contexts: [{ name: 'berth-local', context: { cluster: 'berth-local', user: 'berth-admin' } }],
    'current-context': 'berth-local',
  };
  fs.writeFileSync(l.kubeconfig, yaml.dump(config), { mode: 0o600 });
}
