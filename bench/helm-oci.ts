/**
 * Helm repository and OCI resolve + fetch: Berth's chart sources (helm-source.ts)
 * against `helm pull` on the same servers, a static Helm repository on loopback
 * and a real OCI registry (distribution, token auth; test/harness/registry.ts).
 * The chart has `--templates` templates; the Helm index lists `--versions`
 * versions of it. Alternating which side goes first:
 *   Helm repository, cold:  resolve a semver range (index GET) + fetch and
 *                           unpack the archive into an empty cache
 *                           vs `helm pull --repo URL web --version RANGE`;
 *   Helm repository, poll:  resolve again after the freshness window (index
 *                           revalidated by ETag: 304), nothing to fetch;
 *   OCI, cold:              resolve a range over tags (token, tag list,
 *                           manifest) + fetch the layer and unpack it
 *                           vs `helm pull oci://... --version RANGE`.
 *
 *   src/bin/node bench/helm-oci.ts [--runs 5] [--templates 200] [--versions 500] [--json FILE]
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { dump } from 'js-yaml';
import { writeTarGz } from '../src/source/helm-archive.ts';
import { credentialTableFromSecret } from '../src/source/helm-credentials.ts';
import { ChartSources } from '../src/source/helm-source.ts';
import { helmBinary } from '../test/harness/assets.ts';
import { startHelmRepoServer, startRegistry, stopRegistry } from '../test/harness/registry.ts';
import { emitResult } from './bench-io.ts';
import { comparedRow, median, type BenchResult } from './report.ts';

const run = promisify(execFile);

export interface HelmOciBenchOptions {
  runs: number;
  templates: number;
  versions: number;
  log?: (line: string) => void;
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function chartArchive(version: string, templates: number): Buffer {
  return writeTarGz([
    { path: 'web/Chart.yaml', data: `apiVersion: v2\nname: web\nversion: ${version}\n` },
    ...Array.from({ length: templates }, (_, index) => ({
      path: `web/templates/cm-${index}.yaml`,
      data: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${index}\ndata:\n  value: ${'x'.repeat(512)}\n`,
    })),
  ]);
}

export async function runHelmOciBench(options: HelmOciBenchOptions): Promise<BenchResult> {
  const { runs, templates, versions } = options;
  const log = options.log ?? ((line: string) => { process.stdout.write(`${line}\n`); });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-helm-oci-'));
  const helm = await helmBinary();
  const registry = await startRegistry({ users: { bench: 'bench' }, helm });
  const repoDir = path.join(root, 'repo');
  fs.mkdirSync(repoDir);
  const server = await startHelmRepoServer(repoDir);
  try {
    // The repository lists many versions (index size grows with them); only the newest archive is served.
    const newest = `1.${versions - 1}.0`;
    const archive = chartArchive(newest, templates);
    fs.writeFileSync(path.join(repoDir, `web-${newest}.tgz`), archive);
    const entries = Array.from({ length: versions }, (_, index) => ({
      apiVersion: 'v2', name: 'web', version: `1.${index}.0`, urls: [`web-1.${index}.0.tgz`],
      ...(index === versions - 1 ? { digest: createHash('sha256').update(archive).digest('hex') } : {}),
    }));
    fs.writeFileSync(path.join(repoDir, 'index.yaml'), dump({ apiVersion: 'v1', entries: { web: entries } }));
    fs.writeFileSync(path.join(root, `web-${newest}.tgz`), archive);
    await registry.helm(['push', path.join(root, `web-${newest}.tgz`), `oci://${registry.host}/charts`, '--plain-http']);
    const indexBytes = fs.statSync(path.join(repoDir, 'index.yaml')).size;
    log(`chart: ${templates} templates (${archive.length} bytes packed); index: ${versions} versions (${indexBytes} bytes); ${runs} runs per side`);

    const credentials = credentialTableFromSecret('bench/registry', { '.dockerconfigjson': JSON.stringify({ auths: { [registry.host]: { username: 'bench', password: 'bench' } } }) }, undefined, `oci://${registry.host}/charts/web`);
    const helmEnv = { ...process.env, HELM_REGISTRY_CONFIG: path.join(registry.dir, 'helm-registry.json'), HELM_CACHE_HOME: path.join(root, 'hc'), HELM_CONFIG_HOME: path.join(root, 'hcfg') };
    const samples = { repoCold: { berth: [] as number[], helm: [] as number[] }, repoPoll: [] as number[], ociCold: { berth: [] as number[], helm: [] as number[] } };
    for (let i = 0; i < runs; i++) {
      const cacheDir = fs.mkdtempSync(path.join(root, 'cache-'));
      const pulled = fs.mkdtempSync(path.join(root, 'pull-'));
      const charts = new ChartSources({ cacheDir, plainHttp: true, indexMaxAgeMs: 0 });
      const fromRepo = charts.bind({ repoURL: server.url, chart: 'web', credentials: [] });
      const fromOci = charts.bind({ repoURL: `oci://${registry.host}/charts`, chart: 'web', credentials });
      const order = i % 2 === 0 ? (['berth', 'helm'] as const) : (['helm', 'berth'] as const);
      for (const side of order) {
        samples.repoCold[side].push(await time(side === 'berth'
          ? async () => fromRepo.fetch(undefined, await fromRepo.resolveRevision(undefined, '^1.0.0'))
          : () => run(helm, ['pull', '--repo', server.url, 'web', '--version', '^1.0.0', `--destination=${pulled}`], { env: helmEnv })));
      }
      samples.repoPoll.push(await time(async () => fromRepo.fetch(undefined, await fromRepo.resolveRevision(undefined, '^1.0.0'))));
      for (const side of order) {
        samples.ociCold[side].push(await time(side === 'berth'
          ? async () => fromOci.fetch(undefined, await fromOci.resolveRevision(undefined, '^1.0.0'))
          : () => run(helm, ['pull', `oci://${registry.host}/charts/web`, '--version', '^1.0.0', '--plain-http', `--destination=${pulled}`], { env: helmEnv })));
      }
      log(`run ${i + 1}: repo cold berth ${samples.repoCold.berth.at(-1)?.toFixed(0)} ms, helm ${samples.repoCold.helm.at(-1)?.toFixed(0)} ms; repo poll ${samples.repoPoll.at(-1)?.toFixed(0)} ms; oci cold berth ${samples.ociCold.berth.at(-1)?.toFixed(0)} ms, helm ${samples.ociCold.helm.at(-1)?.toFixed(0)} ms`);
      fs.rmSync(cacheDir, { recursive: true, force: true });
      fs.rmSync(pulled, { recursive: true, force: true });
    }
    const size = `${templates} templates, index of ${versions} versions`;
    const notes = `median of ${runs} alternating runs on loopback; Berth also unpacks and checks digests; helm pull only downloads`;
    return {
      bench: 'helm-oci',
      rows: [
        comparedRow({ workload: 'Helm repository resolve + fetch, cold', size, peer: 'helm pull --repo (semver range)', unit: 'ms', notes }, samples.repoCold.berth, samples.repoCold.helm),
        { workload: 'Helm repository poll (index revalidated by ETag, nothing fetched)', size, berth: { value: median(samples.repoPoll), unit: 'ms' }, notes: `median of ${runs}` },
        comparedRow({ workload: 'OCI chart resolve (token, tags, manifest) + fetch, cold', size: `${templates} templates`, peer: 'helm pull oci:// (semver range)', unit: 'ms', notes }, samples.ociCold.berth, samples.ociCold.helm),
      ],
      details: { runs, templates, versions, indexBytes, archiveBytes: archive.length, samples },
    };
  } finally {
    await server.close();
    await stopRegistry(registry);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, templates: { type: 'string', default: '200' }, versions: { type: 'string', default: '500' }, json: { type: 'string' } },
  });
  emitResult(await runHelmOciBench({ runs: Number.parseInt(values.runs, 10), templates: Number.parseInt(values.templates, 10), versions: Number.parseInt(values.versions, 10) }), values.json);
}
