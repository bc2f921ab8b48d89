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
 *   src/bin/node bench/fetch.ts [runs=5]
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { GitSource } from '../src/source/git-source.ts';
import { parseRepository } from '../src/source/repository.ts';
import { git, gitEnvironment, startGitServer, tempDir } from '../test/source/git-fixtures.ts';

const run = promisify(execFile);
const runs = Number.parseInt(process.argv[2] ?? '5', 10);
const fileCount = 5000;
const commitCount = 500;

function manifest(i: number, revision: number): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  labels: {app: app-${i % 50}}\ndata:\n  index: "${i}"\n  revision: "${revision}"\n  payload: "${'x'.repeat(200)}"\n`;
}

/** A fast-import stream: one commit adding every file, then commits changing ten files each. */
function fastImportStream(): string {
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

async function fastImport(bare: string): Promise<void> {
  const child = spawn('git', ['fast-import', '--quiet'], { cwd: bare, env: gitEnvironment, stdio: ['pipe', 'inherit', 'inherit'] });
  child.stdin.end(fastImportStream());
  await new Promise<void>((resolve, reject) => child.on('close', (code) => { if (code === 0) resolve(); else reject(new Error(`git fast-import exited ${code}`)); }));
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] ?? 0 : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const root = await tempDir('bench-fetch');
try {
  const bare = path.join(root, 'bench.git');
  await git(root, 'init', '-q', '--bare', '-b', 'main', bare);
  const generated = await time(() => fastImport(bare));
  const work = path.join(root, 'work');
  await git(root, 'clone', '-q', bare, work);
  const server = await startGitServer(root);
  const url = server.url('bench');
  const repository = parseRepository(url);
  process.stdout.write(`repository: ${fileCount} files, ${commitCount} commits, generated in ${(generated / 1000).toFixed(1)} s; ${runs} runs per side\n`);

  const cold = { iso: [] as number[], git: [] as number[] };
  const warm = { iso: [] as number[], git: [] as number[] };
  let bump = 0;
  for (let i = 0; i < runs; i++) {
    const cache = await fs.mkdtemp(path.join(root, 'iso-'));
    const clone = path.join(root, `clone-${i}`);
    const source = new GitSource({ cacheDir: cache, refsMaxAgeMs: 0 });
    const isoCold = (): Promise<unknown> => source.resolveRevision(repository, 'main').then((revision) => source.fetch(repository, revision));
    const gitCold = (): Promise<unknown> => run('git', ['clone', '-q', '--depth', '1', '--single-branch', '--bare', url, clone], { env: gitEnvironment });
    const order = i % 2 === 0 ? (['iso', 'git'] as const) : (['git', 'iso'] as const);
    for (const side of order) cold[side].push(await time(side === 'iso' ? isoCold : gitCold));

    await fs.writeFile(path.join(work, 'apps/app-7/cm-7.yaml'), manifest(7, 10_000 + ++bump));
    await git(work, 'commit', '-q', '-am', `bump ${bump}`);
    await git(work, 'push', '-q', 'origin', 'HEAD:main');
    const isoWarm = async (): Promise<void> => {
      const outcome = await source.fetch(repository, await source.resolveRevision(repository, 'main'));
      if (!outcome.transferred) throw new Error('the warm fetch transferred nothing');
    };
    const gitWarm = (): Promise<unknown> => run('git', ['fetch', '-q', '--depth', '1', 'origin', '+main:main'], { cwd: clone, env: gitEnvironment });
    for (const side of order) warm[side].push(await time(side === 'iso' ? isoWarm : gitWarm));
    await fs.rm(cache, { recursive: true, force: true });
    await fs.rm(clone, { recursive: true, force: true });
  }
  await server.close();

  const line = (name: string, figures: { iso: number[]; git: number[] }): string => {
    const iso = median(figures.iso);
    const cli = median(figures.git);
    return `${name.padEnd(24)} isomorphic-git ${iso.toFixed(0).padStart(6)} ms   git ${cli.toFixed(0).padStart(6)} ms   ratio ${(iso / cli).toFixed(2)}x\n`;
  };
  process.stdout.write(line('cold (clone --depth 1)', cold));
  process.stdout.write(line('after one new commit', warm));
} finally {
  await fs.rm(root, { recursive: true, force: true });
}
