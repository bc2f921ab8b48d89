/**
 * Runs `berth controller` as a separate process for end-to-end tests, with its
 * own queue prefix and cache folder, and its JSON log kept for assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kubeconfigPath, redisUrl, uniqueName } from '../harness/env.ts';

const root = path.resolve(import.meta.dirname, '../..');

export interface ControllerProcess {
  child: ChildProcess;
  logFile: string;
  /** The controller's --cache-dir (Git caches under `git/`, render snapshots under `render/`). */
  cacheDir: string;
  /** Parsed JSON log lines so far. */
  logLines(): Record<string, unknown>[];
  /** The base URL of its HTTP server, once it has started (read from its log). */
  baseUrl(): Promise<string>;
  /** Awaits `promise`; if it rejects, the error carries the controller's last log lines. */
  explain<T>(promise: Promise<T>): Promise<T>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ControllerProcessOptions {
  appsFile?: string;
  watchCluster?: boolean;
  namespaces?: string[];
  queuePrefix?: string;
  /** Another Redis than the harness's (a test that stops its own). */
  redisUrl?: string;
  /** Another cluster than the harness's (a test that stops its own API server). */
  kubeconfig?: string;
  /** Extra environment (BERTH_HELM, PATH for a fake renderer, ...). */
  env?: NodeJS.ProcessEnv;
  /** Shorter recovery timings than the defaults, for tests of dead replicas. */
  recovery?: { stalledIntervalMs: number; lockDurationMs: number };
}

export function startControllerProcess(args: ControllerProcessOptions): ControllerProcess {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-controller-'));
  const logFile = path.join(dir, 'controller.log');
  const cacheDir = path.join(dir, 'cache');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(path.join(root, 'src/bin/node'), [
    path.join(root, 'src/cli/main.ts'), 'controller',
    '--kubeconfig', args.kubeconfig ?? kubeconfigPath(),
    '--redis-url', args.redisUrl ?? redisUrl(),
    '--queue-prefix', args.queuePrefix ?? uniqueName('berth-e2e'),
    '--cache-dir', cacheDir,
    '--listen', '127.0.0.1:0',
    '--watch-cluster', String(args.watchCluster ?? false),
    '--shutdown-timeout', '10000',
    ...(args.appsFile ? ['--apps', args.appsFile] : []),
    ...(args.namespaces ? ['--namespaces', args.namespaces.join(',')] : []),
    ...(args.recovery ? ['--stalled-interval', String(args.recovery.stalledIntervalMs), '--lock-duration', String(args.recovery.lockDurationMs)] : []),
  ], { stdio: ['ignore', out, out], // The test suite's Git servers speak plain http on loopback.
    env: { ...process.env, BERTH_LOG_LEVEL: 'debug', BERTH_ALLOW_HTTP_REPOS: 'true', ...args.env } });
  fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code); }));
  return {
    child,
    logFile,
    cacheDir,
    logLines() {
      return fs.readFileSync(logFile, 'utf8').split('\n').filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async baseUrl() {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const started = this.logLines().find((line) => line.msg === 'controller started');
        if (typeof started?.listen === 'string') return `http://${started.listen}`;
        if (child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`the controller did not start (log: ${logFile})`);
    },
    async explain(promise) {
      try {
        return await promise;
      } catch (error) {
        const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-25).map((line) => line.slice(0, 600)).join('\n');
        throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- controller log (last lines) ---\n${tail}`, { cause: error });
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      fs.rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
