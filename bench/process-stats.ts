/**
 * What /proc says about a process, for benchmarks: resident memory (VmRSS), CPU
 * seconds spent (utime + stime), a sampler that keeps the peak RSS, and the
 * processes of a local control plane (their working folder is inside its run
 * folder, see test/harness/run-registry.ts). Linux only.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const clockTicks = Number.parseInt(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim(), 10) || 100;

/** Resident set size in bytes, or undefined once the process is gone. */
export function readRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User plus system CPU seconds of the process itself (children not included). */
export function readCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

export function readCommand(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** Processes whose working folder is `dir` or below it: command name -> pid. */
export function processesIn(dir: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) found.set(readCommand(Number(entry)), Number(entry));
    } catch {
      // Gone, or not ours to look at.
    }
  }
  return found;
}

export interface RssSampler {
  /** Highest VmRSS seen so far, in bytes. */
  peak(): number;
  last(): number;
  stop(): void;
}

/** Reads VmRSS every `intervalMs` and keeps the highest value. */
export function sampleRss(pid: number, intervalMs = 250): RssSampler {
  let peak = 0;
  let last = 0;
  const take = (): void => {
    const rss = readRssBytes(pid);
    if (rss === undefined) return;
    last = rss;
    peak = Math.max(peak, rss);
  };
  take();
  const timer = setInterval(take, intervalMs);
  timer.unref();
  return { peak: () => peak, last: () => last, stop: () => { clearInterval(timer); } };
}

/** CPU seconds of several processes at once, by name. */
export function cpuSnapshot(pids: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...pids].map(([name, pid]) => [name, readCpuSeconds(pid) ?? 0]));
}

export const mib = (bytes: number): number => bytes / 1024 / 1024;
