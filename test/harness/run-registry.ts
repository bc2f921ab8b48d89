/**
 * Each harness run records itself under <tmp>/berth-harness/<run>/: its own pid
 * and the pids of its children. A run whose owner died without cleaning up
 * (SIGKILL, a crash) is reaped by the next harness start: its children are
 * killed and its folder removed. A pid is only killed when its command line or
 * its working directory still points into the run's folder (redis-server
 * rewrites its command line, so the cwd matters), so a reused pid is never touched.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isPidAlive } from './processes.ts';

export const harnessRoot = path.join(os.tmpdir(), 'berth-harness');

export function createRunDir(): string {
  fs.mkdirSync(harnessRoot, { recursive: true });
  const dir = fs.mkdtempSync(path.join(harnessRoot, 'run-'));
  fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  // The watchdog cleans up within seconds if this process is killed outright;
  // reapAbandonedRuns() is the second line of defence.
  spawn('sh', [path.join(import.meta.dirname, 'watchdog.sh'), String(process.pid), dir], {
    detached: true,
    stdio: 'ignore',
  }).unref();
  return dir;
}

export function recordChild(runDir: string, pid: number | undefined): void {
  if (pid !== undefined) fs.appendFileSync(path.join(runDir, 'children.pids'), `${pid}\n`);
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function workingDirectory(pid: number): string {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}

function belongsToRun(pid: number, runDir: string): boolean {
  return commandLine(pid).includes(runDir) || workingDirectory(pid).startsWith(runDir);
}

function readPids(file: string): number[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number).filter(Number.isInteger);
  } catch {
    return [];
  }
}

/** Kills the recorded children of `runDir` (synchronously, SIGKILL) and removes it. */
export function destroyRun(runDir: string): void {
  for (const pid of readPids(path.join(runDir, 'children.pids'))) {
    if (isPidAlive(pid) && belongsToRun(pid, runDir)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }
  fs.rmSync(runDir, { recursive: true, force: true });
}

/** Reaps runs whose owner process is gone. */
export function reapAbandonedRuns(): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(harnessRoot);
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = path.join(harnessRoot, entry);
    const [owner] = readPids(path.join(dir, 'owner.pid'));
    if (owner === undefined || !isPidAlive(owner)) destroyRun(dir);
  }
}
