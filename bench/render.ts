/**
 * Render benchmark: a plain directory of 1,000 objects (200 files of five
 * documents: Deployments, Services, ConfigMaps) rendered by Berth from a local
 * folder and from a Git commit (objects read from the store, no checkout, cache
 * off), and, for reference, kubectl reading the same folder
 * (`kubectl label --local -f DIR -o json`, no server). Median of alternating runs.
 * Then the same commit once more from the render cache (no peer row).
 *
 *   src/bin/node bench/render.ts [--runs 7] [--json FILE]
 *
 * `runRenderBench(options)` does the same for bench/run.ts and returns the rows:
 * Berth from a Git commit (what the controller does) against kubectl reading the folder.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { GitSource } from '../src/source/git-source.ts';
import { parseRepository } from '../src/source/repository.ts';
import { LocalTree } from '../src/source/local-tree.ts';
import { objectsOf, Renderer } from '../src/render/render.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../test/harness/git-repositories.ts';
import { emitResult } from './bench-io.ts';
import { comparedRow, median, type BenchResult } from './report.ts';

const run = promisify(execFile);

export interface RenderBenchOptions {
  runs: number;
  log?: (line: string) => void;
}

function documents(file: number): string {
  const out: string[] = [];
  for (let k = 0; k < 5; k++) {
    const name = `app-${file}-${k}`;
    if (k % 3 === 0) {
      out.push(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  labels: &labels {app: ${name}, tier: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: *labels}\n  template:\n    metadata: {labels: *labels}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          ports: [{containerPort: 8080}]\n          env: [{name: ENABLED, value: "yes"}, {name: MODE, value: "0644"}]\n          resources: {requests: {cpu: 100m, memory: 128Mi}}\n`);
    } else if (k % 3 === 1) {
      out.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: {app: ${name}}\n  ports:\n    - port: 80\n      targetPort: 8080\n`);
    } else {
      out.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  config.yaml: |\n    level: info\n    flags: [a, b, c]\n  enabled: "true"\n`);
    }
  }
  return out.join('---\n');
}

export async function runRenderBench(options: RenderBenchOptions): Promise<BenchResult> {
  const { runs } = options;
  const log = options.log ?? ((line: string) => { process.stdout.write(`${line}\n`); });
  const root = await tempDir('bench-render');
  try {
    const repository = await createRepository(root, 'objects');
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) files[`manifests/file-${String(i).padStart(3, '0')}.yaml`] = documents(i);
    const commit = await commitFiles(repository, files);
    const server = await startGitServer(root);
    const source = new GitSource({ cacheDir: path.join(root, 'cache') });
    const remote = parseRepository(server.url('objects'));
    await source.fetch(remote, await source.resolveRevision(remote, 'main'));
    const gitTree = await source.tree(remote, commit);
    const localTree = new LocalTree(repository.work);
    const renderer = new Renderer();
    const folder = path.join(repository.work, 'manifests');

    const sides = {
      'berth, local folder': async () => objectsOf(await renderer.render({ tree: localTree, path: 'manifests', appName: 'bench' })).length,
      'berth, git commit': async () => objectsOf(await renderer.render({ tree: gitTree, path: 'manifests', appName: 'bench' })).length,
      'kubectl label --local': async () => {
        const { stdout } = await run('kubectl', ['label', '--local', '-f', folder, 'x=y', '-o', 'name', '--kubeconfig=/dev/null'], { maxBuffer: 64 * 1024 * 1024 });
        return stdout.trim().split('\n').length;
      },
    } as const;
    const times = new Map<string, number[]>(Object.keys(sides).map((name) => [name, []]));
    for (let i = 0; i < runs; i++) {
      const names = Object.keys(sides) as (keyof typeof sides)[];
      for (const name of i % 2 === 0 ? names : names.reverse()) {
        const started = performance.now();
        const count = await sides[name]();
        times.get(name)?.push(performance.now() - started);
        if (count !== 1000) throw new Error(`${name} produced ${count} objects, not 1000`);
      }
    }
    // A cache hit: the same (commit, path, options) again, as every reconcile of an unchanged commit asks.
    const cachedRequest = { tree: gitTree, commit, path: 'manifests', appName: 'bench' };
    await renderer.render(cachedRequest);
    const cached: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      objectsOf(await renderer.render(cachedRequest));
      cached.push(performance.now() - started);
    }
    await server.close();
    log(`1,000 objects in 200 files; median of ${runs} runs`);
    for (const [name, values] of times) log(`${name.padEnd(24)} ${median(values).toFixed(0).padStart(6)} ms`);
    log(`${'berth, cached'.padEnd(24)} ${median(cached).toFixed(2).padStart(6)} ms`);
    const kubectl = times.get('kubectl label --local') ?? [];
    const notes = `median of ${runs} alternating runs; no cache; kubectl parses the folder locally, no server`;
    return {
      bench: 'render',
      rows: [
        comparedRow({ workload: 'render a plain directory, from a Git commit (no checkout)', size: '1,000 objects in 200 files', peer: 'kubectl label --local -f DIR', unit: 'ms', notes }, times.get('berth, git commit') ?? [], kubectl),
        comparedRow({ workload: 'render a plain directory, from a local folder', size: '1,000 objects in 200 files', peer: 'kubectl label --local -f DIR', unit: 'ms', notes }, times.get('berth, local folder') ?? [], kubectl),
        {
          workload: 'render again from the cache (same commit, path, options)', size: '1,000 objects in 200 files',
          berth: { value: median(cached), unit: 'ms' }, notes: `median of ${runs} runs; a copy of the cached objects for each caller`,
        },
      ],
      details: { runs, samples: { ...Object.fromEntries(times), cached } },
    };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string' }, json: { type: 'string' } } });
  // The positional run count is the older form of --runs.
  emitResult(await runRenderBench({ runs: Number.parseInt(values.runs ?? positionals[0] ?? '7', 10) }), values.json);
}
