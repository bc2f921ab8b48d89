/**
 * Runs an external renderer (kustomize, kubectl kustomize, helm) the safe way:
 * no shell (arguments are passed as a list), a deadline after which the process
 * is killed, a cap on what it may print, and an environment that inherits
 * nothing from Berth's (no kubeconfig, no cloud or Git credentials, a private
 * HOME), so a chart or kustomization cannot reach Berth's secrets.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidSourceError, TransientSourceError } from '../errors.ts';

export interface ToolLimits {
  timeoutMs: number;
  maxOutputBytes: number;
}

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
}

/** The only environment a renderer sees. */
export function toolEnvironment(home: string): NodeJS.ProcessEnv {
  return {
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

/** Runs the tool and returns its standard output; a failure is an InvalidSourceError carrying its stderr. */
export function runTool(run: ToolRun, limits: ToolLimits): Promise<string> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a deadline or the output cap stops what the tool
    // started too (a plugin, a post-renderer): a child left alive would hold the
    // output pipe open, and the run would never end.
    const child = spawn(run.file, run.args, {
      cwd: run.cwd, env: toolEnvironment(run.home), stdio: ['ignore', 'pipe', 'pipe'], shell: false, detached: true,
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
      if (code !== 0) {
        const shown = (run.hidePrefix ? stderr.replaceAll(run.hidePrefix, '') : stderr).trim();
        reject(new InvalidSourceError('RenderFailed', `${run.label}: failed (${signal ?? `exit ${code}`}): ${shown}`));
        return;
      }
      resolve(Buffer.concat(stdout).toString('utf8'));
    });
  });
}
