/**
 * Fetch benchmark: Berth's Git source (isomorphic-git) against the git command
 * on the same machine, in the same run, over the same loopback smart-HTTP
 * server. A repository of 5,000 files and 500 commits is generated with
 * `git fast-import`; then, alternating which side goes first:
 *   cold:  GitSource.resolveRevision + fetch into an empty cache
 *          vs `git clone --depth 1 --single-branch --bare` (no work tree, like Berth's cache);
 *   warm:  one new commit pushed, then GitSource.resolveRevision + fetch
 *          vs `git fetch --depth 1 origin main` in the clone.
 * Prints the median of each and the ratio (isomorphic-git / git).
 *
 *   src/bin/node bench/fetch.ts [--runs 5] [--files 5000] [--commits 500] [--json FILE]
 *
 * `runFetchBench(options)` does the same for bench/run.ts and returns the rows.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { GitSource } from '../src/source/git-source.ts';
import { parseRepository } from '../src/source/repository.ts';
import { git, gitEnvironment, startGitServer, tempDir } from '../test/harness/git-repositories.ts';
import { emitResult } from './bench-io.ts';
import { comparedRow, type BenchResult } from './report.ts';

const run = promisify(execFile);

export interface FetchBenchOptions {
  runs: number;
  files: number;
  commits: number;
  log?: (line: string) => void;
}

export function manifest(i: number, revision: number): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  labels: {app: app-${i % 50}}\ndata:\n  index: "${i}"\n  revision: "${revision}"\n  payload: "${'x'.repeat(200)}"\n`;
}

/** A fast-import stream: one commit adding every file, then commits changing ten files each. */
function fastImportStream(fileCount: number, commitCount: number): string {
  const parts: string[] = [];
  const data = (text: string): string => `data ${Buffer.byteLength(text)}\n${text}\n`;
  for (let commit = 1; commit <= commitCount; commit++) {
    parts.push(`commit refs/heads/main\nmark :${commit}\ncommitter Bench <bench@berth.dev> ${1_700_000_000 + commit} +0000\n${data(`commit ${commit}`)}`);
    if (commit > 1) parts.push(`from :${commit - 1}\n`);
    const files = commit === 1 ? Array.from({ length: fileCount }, (_, i) => i) : Array.from({ length: 10 }, (_, k) => (commit * 37 + k * 499) % fileCount);
    for (const i of files) parts.push(`M 100644 inline apps/app-${i % 50}/cm-${i}.yaml\n${data(manifest(i, commit))}`);
  }
  return parts.join('');
}

/** Fills `bare` with `fileCount` files over `commitCount` commits (also the repository of bench/ssh-fetch.ts). */
export async function fastImport(bare: string, fileCount: number, commitCount: number): Promise<void> {
  const child = spawn('git', ['fast-import', '--quiet'], { cwd: bare, env: gitEnvironment, stdio: ['pipe', 'inherit', 'inherit'] });
  child.stdin.end(fastImportStream(fileCount, commitCount));
  await new Promise<void>((resolve, reject) => child.on('close', (code) => { if (code === 0) resolve(); else reject(new Error(`git fast-import exited ${code}`)); }));
}

export async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export async function runFetchBench(options: FetchBenchOptions): Promise<BenchResult> {
  const { runs, files: fileCount, commits: commitCount } = options;
  const log = options.log ?? ((line: string) => { process.stdout.write(`${line}\n`); });
  const root = await tempDir('bench-fetch');
  try {
    const bare = path.join(root, 'bench.git');
    await git(root, 'init', '-q', '--bare', '-b', 'main', bare);
    const generated = await time(() => fastImport(bare, fileCount, commitCount));
    const work = path.join(root, 'work');
    await git(root, 'clone', '-q', bare, work);
    const server = await startGitServer(root);
    const url = server.url('bench');
    const repository = parseRepository(url);
    log(`repository: ${fileCount} files, ${commitCount} commits, generated in ${(generated / 1000).toFixed(1)} s; ${runs} runs per side`);

    const cold = { iso: [] as number[], git: [] as number[] };
    const warm = { iso: [] as number[], git: [] as number[] };
    let bump = 0;
    const changed = `apps/app-${7 % 50}/cm-7.yaml`;
    for (let i = 0; i < runs; i++) {
      const cache = await fs.mkdtemp(path.join(root, 'iso-'));
      const clone = path.join(root, `clone-${i}`);
      const source = new GitSource({ cacheDir: cache, refsMaxAgeMs: 0 });
      const isoCold = (): Promise<unknown> => source.resolveRevision(repository, 'main').then((revision) => source.fetch(repository, revision));
      const gitCold = (): Promise<unknown> => run('git', ['clone', '-q', '--depth', '1', '--single-branch', '--bare', url, clone], { env: gitEnvironment });
      const order = i % 2 === 0 ? (['iso', 'git'] as const) : (['git', 'iso'] as const);
      for (const side of order) cold[side].push(await time(side === 'iso' ? isoCold : gitCold));

      await fs.writeFile(path.join(work, changed), manifest(7, 10_000 + ++bump));
      await git(work, 'commit', '-q', '-am', `bump ${bump}`);
      await git(work, 'push', '-q', 'origin', 'HEAD:main');
      const isoWarm = async (): Promise<void> => {
        const outcome = await source.fetch(repository, await source.resolveRevision(repository, 'main'));
        if (!outcome.transferred) throw new Error('the warm fetch transferred nothing');
      };
      const gitWarm = (): Promise<unknown> => run('git', ['fetch', '-q', '--depth', '1', 'origin', '+main:main'], { cwd: clone, env: gitEnvironment });
      for (const side of order) warm[side].push(await time(side === 'iso' ? isoWarm : gitWarm));
      log(`run ${i + 1}: cold iso ${cold.iso.at(-1)?.toFixed(0)} ms, git ${cold.git.at(-1)?.toFixed(0)} ms; after one commit iso ${warm.iso.at(-1)?.toFixed(0)} ms, git ${warm.git.at(-1)?.toFixed(0)} ms`);
      await fs.rm(cache, { recursive: true, force: true });
      await fs.rm(clone, { recursive: true, force: true });
    }
    await server.close();

    const size = `${fileCount.toLocaleString('en-US')} files, ${commitCount} commits`;
    const notes = `median of ${runs} alternating runs; loopback smart HTTP`;
    return {
      bench: 'fetch',
      rows: [
        comparedRow({ workload: 'Git fetch, cold (shallow, single branch)', size, peer: 'git clone --depth 1 --single-branch --bare', unit: 'ms', notes }, cold.iso, cold.git),
        comparedRow({ workload: 'Git fetch, after one new commit', size, peer: 'git fetch --depth 1', unit: 'ms', notes }, warm.iso, warm.git),
      ],
      details: { runs, files: fileCount, commits: commitCount, generatedMs: generated, samples: { cold, warm } },
    };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { runs: { type: 'string' }, files: { type: 'string', default: '5000' }, commits: { type: 'string', default: '500' }, json: { type: 'string' } },
  });
  // The positional run count is the older form of --runs.
  const runs = Number.parseInt(values.runs ?? positionals[0] ?? '5', 10);
  emitResult(await runFetchBench({ runs, files: Number.parseInt(values.files, 10), commits: Number.parseInt(values.commits, 10) }), values.json);
}
