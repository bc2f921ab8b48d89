/**
 * Where the control-plane binaries come from. In order:
 *   1. TEST_ASSET_ETCD, TEST_ASSET_KUBE_APISERVER, TEST_ASSET_KUBE_CONTROLLER_MANAGER,
 *      TEST_ASSET_KUBE_SCHEDULER, TEST_ASSET_KWOK (one binary each, as envtest names them);
 *   2. KUBEBUILDER_ASSETS, a folder holding any of them by their usual names;
 *   3. build-control-plane.sh, which builds what is missing from Go modules into a
 *      cache outside the repository (BERTH_ASSETS_DIR overrides where) and is
 *      serialised by a lock, so concurrent test processes never build twice.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
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

/** Runs the build script (a no-op when its cache is complete) and returns the cache folder. */
export async function buildAssets(extra?: 'helm'): Promise<string> {
  const script = path.join(here, 'build-control-plane.sh');
  try {
    const { stdout } = await run('bash', [script, ...(extra ? [extra] : [])], {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 75 * 60_000,
    });
    const folder = stdout.trim().split('\n').pop() ?? '';
    if (!folder) throw new Error('the build script printed no asset folder');
    return folder;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`building the control plane failed (${script}):\n${stderr.slice(-4000)}`, { cause: error });
  }
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
