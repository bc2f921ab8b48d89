/**
 * The I/O half of bench/report.ts: a benchmark's `--json FILE` output (what
 * bench/run.ts reads back from each child process), and the machine facts read
 * from the OS, test/harness/versions.env and the tools on PATH.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { markdownTable, parseEnvFile, type BenchResult, type MachineFacts } from './report.ts';

const root = join(import.meta.dirname, '..');

/** Writes a result where `--json` asked for it (nothing when not asked), and its table to stdout. */
export function emitResult(result: BenchResult, jsonFile: string | undefined): void {
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${markdownTable(result.rows)}`);
}

export function readResult(jsonFile: string): BenchResult {
  return JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchResult;
}

function firstLine(command: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    return pattern.exec(out)?.[1] ?? out.split('\n')[0]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function machineFacts(): MachineFacts {
  const versions = parseEnvFile(readFileSync(join(root, 'test/harness/versions.env'), 'utf8'));
  const commit = firstLine('git', ['-C', root, 'rev-parse', '--short=12', 'HEAD'], /^(\S+)/);
  const dirty = firstLine('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], /^(.+)$/m);
  return {
    date: new Date().toISOString(),
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    kubernetes: versions.KUBERNETES_VERSION ?? 'unknown',
    etcd: versions.ETCD_VERSION ?? 'unknown',
    kubectl: firstLine('kubectl', ['version', '--client'], /Client Version:\s*(\S+)/),
    git: firstLine('git', ['--version'], /git version (\S+)/),
    berthCommit: dirty === 'unknown' || dirty === '' ? commit : `${commit} with uncommitted changes`,
  };
}
