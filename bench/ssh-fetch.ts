/**
 * SSH fetch benchmark: Berth's SSH transport (isomorphic-git over ssh2 and
 * git-upload-pack) against the git command over the same real OpenSSH server
 * on loopback (test/harness/sshd.ts), with the same deploy key and known hosts.
 * The repository is bench/fetch.ts's (git fast-import); alternating which side
 * goes first:
 *   cold:  GitSource.resolveRevision + fetch into an empty cache (a new SSH
 *          connection: the pool is emptied first)
 *          vs `git clone --depth 1 --single-branch --bare` over ssh;
 *   warm:  one new commit pushed, then GitSource.resolveRevision + fetch
 *          vs `git fetch --depth 1 origin main` in the clone over ssh.
 * Goals: within 2x of git cold, 1.5x after one commit.
 *
 *   src/bin/node bench/ssh-fetch.ts [--runs 5] [--files 5000] [--commits 500] [--json FILE]
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { GitSource } from '../src/source/git-source.ts';
import { parseRepository } from '../src/source/repository.ts';
import { closeSshConnections } from '../src/source/ssh-connection.ts';
import { git, gitEnvironment, tempDir } from '../test/harness/git-repositories.ts';
import { startSshd } from '../test/harness/sshd.ts';
import { emitResult } from './bench-io.ts';
import { fastImport, manifest, time } from './fetch.ts';
import { comparedRow, type BenchResult } from './report.ts';

const run = promisify(execFile);

export interface SshFetchBenchOptions {
  runs: number;
  files: number;
  commits: number;
  log?: (line: string) => void;
}

export async function runSshFetchBench(options: SshFetchBenchOptions): Promise<BenchResult> {
  const { runs, files: fileCount, commits: commitCount } = options;
  const log = options.log ?? ((line: string) => { process.stdout.write(`${line}\n`); });
  const root = await tempDir('bench-ssh-fetch');
  const sshd = await startSshd();
  try {
    const bare = path.join(root, 'bench.git');
    await git(root, 'init', '-q', '--bare', '-b', 'main', bare);
    const generated = await time(() => fastImport(bare, fileCount, commitCount));
    const work = path.join(root, 'work');
    await git(root, 'clone', '-q', bare, work);
    const url = sshd.urlOf(bare);
    const repository = parseRepository(url, { kind: 'ssh', privateKey: sshd.clientKey, knownHosts: sshd.knownHosts });
    const env = { ...gitEnvironment, GIT_SSH_COMMAND: sshd.gitSshCommand };
    log(`repository: ${fileCount} files, ${commitCount} commits, generated in ${(generated / 1000).toFixed(1)} s; ${runs} runs per side over OpenSSH on loopback`);

    const cold = { iso: [] as number[], git: [] as number[] };
    const warm = { iso: [] as number[], git: [] as number[] };
    let bump = 0;
    const changed = 'apps/app-7/cm-7.yaml';
    for (let i = 0; i < runs; i++) {
      const cache = await fs.mkdtemp(path.join(root, 'iso-'));
      const clone = path.join(root, `clone-${i}`);
      const source = new GitSource({ cacheDir: cache, refsMaxAgeMs: 0 });
      const isoCold = async (): Promise<unknown> => {
        closeSshConnections();
        return source.fetch(repository, await source.resolveRevision(repository, 'main'));
      };
      const gitCold = (): Promise<unknown> => run('git', ['clone', '-q', '--depth', '1', '--single-branch', '--bare', url, clone], { env });
      const order = i % 2 === 0 ? (['iso', 'git'] as const) : (['git', 'iso'] as const);
      for (const side of order) cold[side].push(await time(side === 'iso' ? isoCold : gitCold));

      await fs.writeFile(path.join(work, changed), manifest(7, 10_000 + ++bump));
      await git(work, 'commit', '-q', '-am', `bump ${bump}`);
      await git(work, 'push', '-q', 'origin', 'HEAD:main');
      // After one commit a controller's connection is still pooled only if it polled within seconds: start without one, as git does.
      const isoWarm = async (): Promise<void> => {
        closeSshConnections();
        const outcome = await source.fetch(repository, await source.resolveRevision(repository, 'main'));
        if (!outcome.transferred) throw new Error('the warm fetch transferred nothing');
      };
      const gitWarm = (): Promise<unknown> => run('git', ['fetch', '-q', '--depth', '1', 'origin', '+main:main'], { cwd: clone, env });
      for (const side of order) warm[side].push(await time(side === 'iso' ? isoWarm : gitWarm));
      log(`run ${i + 1}: cold iso ${cold.iso.at(-1)?.toFixed(0)} ms, git ${cold.git.at(-1)?.toFixed(0)} ms; after one commit iso ${warm.iso.at(-1)?.toFixed(0)} ms, git ${warm.git.at(-1)?.toFixed(0)} ms`);
      await fs.rm(cache, { recursive: true, force: true });
      await fs.rm(clone, { recursive: true, force: true });
    }

    const size = `${fileCount.toLocaleString('en-US')} files, ${commitCount} commits`;
    const notes = `median of ${runs} alternating runs; OpenSSH on loopback, one deploy key; goal 2x cold, 1.5x after one commit`;
    return {
      bench: 'ssh-fetch',
      rows: [
        comparedRow({ workload: 'SSH Git fetch, cold (shallow, single branch)', size, peer: 'git clone --depth 1 --single-branch --bare (ssh)', unit: 'ms', notes }, cold.iso, cold.git),
        comparedRow({ workload: 'SSH Git fetch, after one new commit', size, peer: 'git fetch --depth 1 (ssh)', unit: 'ms', notes }, warm.iso, warm.git),
      ],
      details: { runs, files: fileCount, commits: commitCount, generatedMs: generated, samples: { cold, warm } },
    };
  } finally {
    closeSshConnections();
    await sshd.stop();
    await fs.rm(root, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, files: { type: 'string', default: '5000' }, commits: { type: 'string', default: '500' }, json: { type: 'string' } },
  });
  emitResult(await runSshFetchBench({ runs: Number.parseInt(values.runs, 10), files: Number.parseInt(values.files, 10), commits: Number.parseInt(values.commits, 10) }), values.json);
}
