/**
 * Runs an external renderer (kustomize, kubectl kustomize, helm) the safe way:
 * no shell (arguments are passed as a list), a deadline after which the process
 * is killed, a cap on what it may print, and an environment that inherits
 * nothing from Berth's (no kubeconfig, no cloud or Git credentials, a private
 * HOME), so a chart or kustomization cannot reach Berth's secrets.
 *
 * The sandbox (issue #13): the process runs under `prlimit` with a memory limit
 * (RLIMIT_DATA, see below) and a CPU-time limit, GOMEMLIMIT asks the Go runtime
 * to collect before it gets there, Git may use no protocol at all unless the
 * run is allowed the network, and where a network namespace can be made
 * (`unshare -n`: root, or user namespaces) the process has no network at all.
 * Where it cannot (an unprivileged pod), the kustomization scan
 * (kustomize-remote.ts) is what keeps a render off the network.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidSourceError, TransientSourceError } from '../errors.ts';

export interface ToolLimits {
  timeoutMs: number;
  maxOutputBytes: number;
  /**
   * Memory the process may commit, as RLIMIT_DATA; 0 for none. Not RLIMIT_AS:
   * a Go binary reserves far more address space than it uses (helm 3.22 does
   * not start under 780 MiB of RLIMIT_AS, yet renders a chart in 64-128 MiB of
   * RLIMIT_DATA), and since Linux 4.7 RLIMIT_DATA counts the private writable
   * mappings where Go keeps its heap.
   */
  memoryLimitBytes: number;
  /** CPU seconds the process may use (RLIMIT_CPU); 0 for none. */
  cpuSeconds: number;
  /**
   * Renderer processes running at once across this Renderer, when set: the
   * memory limit is per process, so this is what bounds what renders can take
   * of the pod together (slots x memoryLimitBytes), however many reconciles run.
   */
  slots?: ToolSlots;
}

/** Whether this run may reach the network: only a kustomize build whose remote bases the allow-list admitted. */
export type ToolNetwork = 'none' | 'allowed';

export interface ToolRun {
  /** How messages name this run: `apps/web: helm template`. */
  label: string;
  file: string;
  args: string[];
  cwd: string;
  /** A private scratch folder: HOME, TMPDIR and tool caches point into it. */
  home: string;
  /** Replaced by '' in error output, so messages show repository paths, not temp folders. */
  hidePrefix?: string;
  /** Default 'none'. */
  network?: ToolNetwork;
}

/** The only environment a renderer sees. */
export function toolEnvironment(home: string, limits?: Pick<ToolLimits, 'memoryLimitBytes'>, network: ToolNetwork = 'none'): NodeJS.ProcessEnv {
  return {
    // Git (kustomize's remote bases) may use no protocol at all, unless the allow-list admitted this run's bases.
    GIT_ALLOW_PROTOCOL: network === 'allowed' ? 'https:http' : '',
    GIT_CONFIG_GLOBAL: path.join(home, 'no-gitconfig'),
    // A soft limit below the hard one, so the Go runtime collects before the kernel refuses it memory.
    ...(limits && limits.memoryLimitBytes > 0 ? { GOMEMLIMIT: String(Math.floor(limits.memoryLimitBytes * 0.75)) } : {}),
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    TMPDIR: home,
    LANG: 'C.UTF-8',
    KUBECONFIG: path.join(home, 'no-kubeconfig'),
    HELM_CACHE_HOME: path.join(home, 'helm-cache'),
    HELM_CONFIG_HOME: path.join(home, 'helm-config'),
    HELM_DATA_HOME: path.join(home, 'helm-data'),
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
  };
}

/** Finds an executable on PATH, like `command -v`. */
export function findOnPath(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!folder) continue;
    const candidate = path.join(folder, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** What of a failed tool's standard error its error message carries. */
const maxStderrChars = 16_384;

let prlimitBinary: string | undefined | null = null;
/** `unshare` when it can make a network namespace here (root, or user namespaces), else false; probed once. */
let networkUnshare: string | false | undefined;

function unshareForNetwork(): string | false {
  if (networkUnshare === undefined) {
    const unshare = findOnPath('unshare');
    networkUnshare = unshare !== undefined
      && spawnSync(unshare, ['-n', '--', 'true'], { stdio: 'ignore', timeout: 5_000, env: { PATH: process.env.PATH ?? '' } }).status === 0
      ? unshare : false;
  }
  return networkUnshare;
}

/**
 * The command that runs `run` inside the sandbox: `prlimit --data=N --cpu=S -- [unshare -n --] tool args...`.
 * Soft and hard CPU limits are the same: Go ignores SIGXCPU (the soft limit's
 * signal), so only the hard limit's SIGKILL stops helm or kustomize.
 */
export function sandboxedCommand(run: Pick<ToolRun, 'file' | 'args' | 'network'>, limits: ToolLimits): { file: string; args: string[] } {
  const unshare = (run.network ?? 'none') === 'none' ? unshareForNetwork() : false;
  const inner = unshare ? [unshare, '-n', '--', run.file, ...run.args] : [run.file, ...run.args];
  const rlimits = [
    ...(limits.memoryLimitBytes > 0 ? [`--data=${limits.memoryLimitBytes}`] : []),
    ...(limits.cpuSeconds > 0 ? [`--cpu=${limits.cpuSeconds}`] : []),
  ];
  if (rlimits.length === 0) return { file: inner[0] ?? run.file, args: inner.slice(1) };
  if (prlimitBinary === null) prlimitBinary = findOnPath('prlimit');
  if (prlimitBinary === undefined) {
    throw new TransientSourceError('RenderFailed', 'prlimit (util-linux) is not on PATH: renderers must run under a memory and CPU limit (set both limits to 0 to run them without)');
  }
  return { file: prlimitBinary, args: [...rlimits, '--', ...inner] };
}

/** Go's runtime says so when the kernel refuses it memory (RLIMIT_DATA); SIGXCPU/SIGKILL come from RLIMIT_CPU. */
function limitHit(stderr: string, signal: NodeJS.Signals | null, limits: ToolLimits): string | undefined {
  if (limits.memoryLimitBytes > 0 && /out of memory|cannot allocate memory|failed to reserve|mmap.*errno=12/i.test(stderr)) {
    return `used more than its memory limit of ${limits.memoryLimitBytes} bytes and was stopped`;
  }
  if (limits.cpuSeconds > 0 && (signal === 'SIGXCPU' || signal === 'SIGKILL' || /SIGXCPU/.test(stderr))) {
    return `used more than its CPU limit of ${limits.cpuSeconds} s and was stopped`;
  }
  return undefined;
}

/** A counting semaphore for renderer processes. */
export interface ToolSlots {
  acquire(): Promise<() => void>;
}

export function createToolSlots(count: number): ToolSlots {
  let free = count;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else free += 1;
  };
  return {
    async acquire() {
      if (free > 0) free -= 1;
      else await new Promise<void>((resolve) => { waiting.push(resolve); });
      return release;
    },
  };
}

/** Runs the tool and returns its standard output; a failure is an InvalidSourceError carrying its stderr. */
export async function runTool(run: ToolRun, limits: ToolLimits): Promise<string> {
  const release = await limits.slots?.acquire();
  try {
    return await runToolProcess(run, limits);
  } finally {
    release?.();
  }
}

function runToolProcess(run: ToolRun, limits: ToolLimits): Promise<string> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a deadline or the output cap stops what the tool
    // started too (a plugin, a post-renderer): a child left alive would hold the
    // output pipe open, and the run would never end.
    let command: { file: string; args: string[] };
    try {
      command = sandboxedCommand(run, limits);
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const child = spawn(command.file, command.args, {
      cwd: run.cwd, env: toolEnvironment(run.home, limits, run.network), stdio: ['ignore', 'pipe', 'pipe'], shell: false, detached: true,
    });
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is gone already
      }
    };
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let failure: Error | undefined;
    const stop = (error: Error): void => {
      failure ??= error;
      killGroup();
    };
    const timer = setTimeout(() => {
      stop(new InvalidSourceError('RenderFailed', `${run.label}: did not finish within ${limits.timeoutMs} ms and was stopped`));
    }, limits.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > limits.maxOutputBytes) {
        stop(new InvalidSourceError('RenderFailed', `${run.label}: printed more than ${limits.maxOutputBytes} bytes, the output limit`));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < maxStderrChars) stderr += chunk.toString().slice(0, maxStderrChars - stderr.length);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new TransientSourceError('RenderFailed', `${run.label}: could not start ${run.file}: ${error.message}`, { cause: error }));
    });
    // Whatever the tool left running in the background would keep 'close' from coming.
    child.on('exit', killGroup);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failure) {
        reject(failure);
        return;
      }
      const limit = code !== 0 ? limitHit(stderr, signal, limits) : undefined;
      if (limit) {
        reject(new InvalidSourceError('RenderFailed', `${run.label}: ${limit}`));
        return;
      }
      if (code !== 0) {
        const shown = (run.hidePrefix ? stderr.replaceAll(run.hidePrefix, '') : stderr).trim();
        reject(new InvalidSourceError('RenderFailed', `${run.label}: failed (${signal ?? `exit ${code}`}): ${shown}`));
        return;
      }
      resolve(Buffer.concat(stdout).toString('utf8'));
    });
  });
}
