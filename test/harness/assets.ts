/**
 * Where the control-plane binaries come from. In order:
 *   1. TEST_ASSET_ETCD, TEST_ASSET_KUBE_APISERVER, TEST_ASSET_KUBE_CONTROLLER_MANAGER,
 *      TEST_ASSET_KUBE_SCHEDULER, TEST_ASSET_KWOK (one binary each, as envtest names them);
 *   2. KUBEBUILDER_ASSETS, a folder holding any of them by their usual names;
 *   3. build-control-plane.sh, which builds what is missing from Go modules into a
 *      cache outside the repository (BERTH_ASSETS_DIR overrides where) and is
 *      serialised by a lock, so concurrent test processes never build twice.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;

export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
  /** kwok's standard Stage manifests (kustomize/stage of its module). */
  kwokStages: string;
}

const binaryNames = {
  etcd: ['etcd', 'TEST_ASSET_ETCD'],
  kubeApiserver: ['kube-apiserver', 'TEST_ASSET_KUBE_APISERVER'],
  kubeControllerManager: ['kube-controller-manager', 'TEST_ASSET_KUBE_CONTROLLER_MANAGER'],
  kubeScheduler: ['kube-scheduler', 'TEST_ASSET_KUBE_SCHEDULER'],
  kwok: ['kwok', 'TEST_ASSET_KWOK'],
} as const;

type BinaryKey = keyof typeof binaryNames;

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function fromEnvironment(key: BinaryKey): string | undefined {
  const [file, variable] = binaryNames[key];
  const direct = process.env[variable];
  if (direct) {
    if (!isExecutable(direct)) throw new Error(`${variable}=${direct} is not an executable file`);
    return direct;
  }
  const folder = process.env.KUBEBUILDER_ASSETS;
  if (folder && isExecutable(path.join(folder, file))) return path.join(folder, file);
  return undefined;
}

/**
 * Runs a build script (a no-op when its cache is complete) and returns the folder it
 * prints last. Its progress lines (stderr: which binary, step n of m, packages
 * compiled, elapsed time) are passed on as they come, so a first build that takes
 * minutes under `npm test`, `npm run cluster` or the demo is never silent.
 */
export async function runBuildScript(script: string, args: readonly string[], what: string): Promise<string> {
  const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let tail = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
    // Only the script's own lines (`[build-...] ...`): go's download chatter stays in the tail for errors.
    for (const line of chunk.split('\n')) if (line.startsWith('[build-')) process.stderr.write(`${line}\n`);
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), 75 * 60_000);
  const [code, signal] = await once(child, 'close') as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`building ${what} failed (${script}, ${signal ?? `exit ${code}`}):\n${tail}`);
  const folder = stdout.trim().split('\n').pop() ?? '';
  if (!folder) throw new Error(`${script} printed no asset folder`);
  return folder;
}

/** Runs build-control-plane.sh and returns the cache folder. */
export async function buildAssets(extra?: 'helm'): Promise<string> {
  return runBuildScript(path.join(here, 'build-control-plane.sh'), extra ? [extra] : [], 'the control plane');
}

export async function controlPlaneBinaries(): Promise<ControlPlaneBinaries> {
  const keys = Object.keys(binaryNames) as BinaryKey[];
  const found = new Map(keys.map((key) => [key, fromEnvironment(key)]));
  const stagesFromEnv = process.env.TEST_ASSET_KWOK_STAGES;
  let built: string | undefined;
  if ([...found.values()].some((file) => file === undefined) || !stagesFromEnv) built = await buildAssets();
  const pick = (key: BinaryKey): string => found.get(key) ?? path.join(built ?? '', binaryNames[key][0]);
  return {
    etcd: pick('etcd'),
    kubeApiserver: pick('kubeApiserver'),
    kubeControllerManager: pick('kubeControllerManager'),
    kubeScheduler: pick('kubeScheduler'),
    kwok: pick('kwok'),
    kwokStages: stagesFromEnv ?? path.join(built ?? '', 'kwok-stages'),
  };
}

/** The helm binary for render tests: HELM_BIN, else built from Go modules into the cache. */
export async function helmBinary(): Promise<string> {
  const fromEnv = process.env.HELM_BIN;
  if (fromEnv) return fromEnv;
  return path.join(await buildAssets('helm'), 'helm');
}
