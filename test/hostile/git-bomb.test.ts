/**
 * Issue #13, finding 6 (Git): a blob of zeros compresses about a thousand to one,
 * so a pack of a few hundred KiB can hold hundreds of MiB, and isomorphic-git
 * inflates every object of a pack whole (several copies at once) while it
 * indexes it. Before the inflated caps, a 300 MiB blob anywhere in a tracked
 * repository (here outside the Application's path) took the controller's RSS up
 * by 1.2 GiB through a 300 KiB download. Real repositories made with git, served
 * by git http-backend on loopback. The GitSource tests measure this process's
 * RSS, where the fetch runs; the end-to-end test runs `berth controller` with its
 * default caps on the shared control plane, an Application on the bomb beside a
 * healthy one, and reads the controller's own peak RSS.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRestClient } from '../../src/kube/rest.ts';
import { InvalidSourceError } from '../../src/errors.ts';
import { GitSource } from '../../src/source/git-source.ts';
import { GitStore } from '../../src/source/git-store.ts';
import { GitTree } from '../../src/source/git-tree.ts';
import { parseRepository, repositoryKey } from '../../src/source/repository.ts';
import { Renderer } from '../../src/render/render.ts';
import { installApplicationCrd } from '../application/install-crd.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { testKubeConfig, testNamespace, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { commitFiles, createRepository, git, startGitServer, tempDir, type GitServer, type TestRepository } from '../harness/git-repositories.ts';

const mib = 1024 * 1024;
const bombBytes = 300 * mib;

let root: string;
let server: GitServer;
let bomb: TestRepository;

/** Writes `bytes` of `fill` to a file in `repository`'s work tree, a MiB at a time, so the test itself holds little. */
async function writeLargeFile(repository: TestRepository, file: string, bytes: number, fill = 0): Promise<void> {
  const target = path.join(repository.work, file);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const handle = await fs.open(target, 'w');
  const chunk = Buffer.alloc(mib, fill);
  for (let written = 0; written < bytes; written += mib) await handle.write(chunk);
  await handle.close();
}

/**
 * The highest RSS this process reaches while `work` runs, above what it was
 * before. Linux's peak-RSS counter (VmHWM) is reset first (clear_refs 5), so it
 * sees peaks a sampler would miss; a 2 ms sampler is the fallback.
 */
async function peakRssGrowth(work: () => Promise<unknown>): Promise<number> {
  const before = process.memoryUsage().rss;
  const reset = await fs.writeFile('/proc/self/clear_refs', '5').then(() => true, () => false);
  let sampled = before;
  const sampler = setInterval(() => { sampled = Math.max(sampled, process.memoryUsage().rss); }, 2);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  const status = reset ? await fs.readFile('/proc/self/status', 'utf8') : '';
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
  const peak = Math.max(sampled, hwm ? Number(hwm[1]) * 1024 : 0);
  return peak - before;
}

async function packsIn(cacheDir: string): Promise<string[]> {
  const entries = await fs.readdir(cacheDir, { recursive: true });
  return entries.filter((entry) => entry.endsWith('.pack'));
}

function isFetchTooLarge(pattern: RegExp) {
  return (error: unknown) => error instanceof InvalidSourceError && error.reason === 'FetchTooLarge' && pattern.test(error.message);
}

before(async () => {
  root = await tempDir('git-bomb');
  server = await startGitServer(root);
  bomb = await createRepository(root, 'bomb');
  // Outside the Application's path: a render never reads it, but a fetch brings it.
  await writeLargeFile(bomb, 'vendor/zeros.bin', bombBytes);
  await commitFiles(bomb, { 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\n' }, 'a blob that inflates to 300 MiB');
});
after(async () => {
  await server.close();
  await fs.rm(root, { recursive: true, force: true });
});

describe('A Git bomb', () => {
  it('is refused by its object header before it is inflated, naming the repository, the size and the cap', async () => {
    const cacheDir = await tempDir('cache', root);
    const source = new GitSource({ cacheDir, refsMaxAgeMs: 0, maxObjectBytes: 64 * mib });
    const remote = parseRepository(server.url('bomb'));
    const revision = await source.resolveRevision(remote, 'main');
    let failure: unknown;
    const growth = await peakRssGrowth(() => source.fetch(remote, revision).catch((error: unknown) => { failure = error; }));
    assert.ok(isFetchTooLarge(/^http:\/\/127\.0\.0\.1:\d+\/bomb\.git@main: a blob of 314572800 bytes \(300\.0 MiB\) inflated is larger than 67108864 bytes \(64\.0 MiB\), the limit of one Git object \(maxObjectBytes\)$/)(failure), String(failure));
    // Before the cap the same fetch grew the RSS by about 1.2 GiB (four times the blob).
    assert.ok(growth < 96 * mib, `RSS grew by ${(growth / mib).toFixed(0)} MiB fetching a 300 MiB bomb`);
    assert.deepEqual(await packsIn(cacheDir), [], 'nothing of the refused pack is kept in the cache');
    // Refused again the same way (not as a damaged cache), and still nothing kept.
    await assert.rejects(source.fetch(remote, await source.resolveRevision(remote, 'main')), isFetchTooLarge(/a blob of 314572800 bytes/));
    assert.deepEqual(await packsIn(cacheDir), []);
  });

  it('made of many objects each under the object cap is refused by the total cap', async () => {
    const many = await createRepository(root, 'many');
    for (let index = 1; index <= 6; index++) await writeLargeFile(many, `data/part-${index}.bin`, 8 * mib, index);
    await commitFiles(many, { 'apps/web/cm.yaml': 'a: 1\n' }, 'six 8 MiB files');
    const cacheDir = await tempDir('cache', root);
    const source = new GitSource({ cacheDir, refsMaxAgeMs: 0, maxObjectBytes: 16 * mib, maxRepositoryBytes: 32 * mib });
    const remote = parseRepository(server.url('many'));
    await assert.rejects(source.fetch(remote, await source.resolveRevision(remote, 'main')),
      isFetchTooLarge(/^http:\/\/127\.0\.0\.1:\d+\/many\.git@main: the fetched objects inflate to more than 33554432 bytes \(32\.0 MiB\), the limit of one fetch \(maxRepositoryBytes\)/));
    assert.deepEqual(await packsIn(cacheDir), []);
    // Within caps large enough for it, the same repository fetches and reads.
    const roomy = new GitSource({ cacheDir: await tempDir('cache', root), refsMaxAgeMs: 0, maxObjectBytes: 16 * mib, maxRepositoryBytes: 64 * mib });
    const fetched = await roomy.fetch(remote, await roomy.resolveRevision(remote, 'main'));
    assert.equal((await (await roomy.tree(remote, fetched.commit)).readFile('data/part-3.bin')).byteLength, 8 * mib);
  });

  it('in one repository does not stop a healthy repository from fetching and rendering, during or after it fails', async () => {
    const healthy = await createRepository(root, 'healthy');
    const first = await commitFiles(healthy, { 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { version: "1" }\n' }, 'first');
    // One GitSource for both, as in the controller.
    const source = new GitSource({ cacheDir: await tempDir('cache', root), refsMaxAgeMs: 0, maxObjectBytes: 64 * mib });
    const renderer = new Renderer({ workDir: await tempDir('render', root) });
    const bombRemote = parseRepository(server.url('bomb'));
    const healthyRemote = parseRepository(server.url('healthy'));
    const renderHealthy = async (commit: string): Promise<unknown> => {
      const result = await renderer.render({ tree: await source.tree(healthyRemote, commit), commit, path: 'apps/web', appName: 'web' });
      return result.manifests.map((manifest) => (manifest.object as { data?: unknown }).data);
    };

    const [bombed, fetched] = await Promise.allSettled([
      source.fetch(bombRemote, await source.resolveRevision(bombRemote, 'main')),
      source.fetch(healthyRemote, await source.resolveRevision(healthyRemote, 'main')),
    ]);
    assert.equal(bombed.status, 'rejected');
    assert.ok(isFetchTooLarge(/bomb\.git@main: a blob of 314572800 bytes/)(bombed.reason), String(bombed.reason));
    assert.equal(fetched.status === 'fulfilled' ? fetched.value.commit : fetched.reason, first);
    assert.deepEqual(await renderHealthy(first), [{ version: '1' }]);

    // After the failure, the healthy repository's next commit is fetched and rendered as usual.
    const second = await commitFiles(healthy, { 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { version: "2" }\n' }, 'second');
    const next = await source.fetch(healthyRemote, await source.resolveRevision(healthyRemote, 'main'));
    assert.deepEqual({ commit: next.commit, transferred: next.transferred }, { commit: second, transferred: true });
    assert.deepEqual(await renderHealthy(second), [{ version: '2' }]);
    await assert.rejects(source.fetch(bombRemote, await source.resolveRevision(bombRemote, 'main')), isFetchTooLarge(/a blob of 314572800 bytes/));
  });
});

describe('A Git bomb already on disk', () => {
  it('in a cache written before the caps is refused when read, before it is inflated; the rest of the commit reads', async () => {
    const cacheDir = await tempDir('cache', root);
    const remote = parseRepository(server.url('bomb'));
    // The cache as an older Berth left it: the pack never went through the caps (written by git itself here).
    await git(root, 'clone', '-q', '--bare', '--depth', '1', '--no-single-branch', server.url('bomb'), path.join(cacheDir, `${repositoryKey(remote)}.git`));
    const source = new GitSource({ cacheDir, refsMaxAgeMs: 0, maxObjectBytes: 64 * mib });
    const revision = await source.resolveRevision(remote, 'main');
    const fetched = await source.fetch(remote, revision);
    assert.equal(fetched.transferred, false, 'the commit is served from the old cache');
    const tree = await source.tree(remote, revision.commit);
    let failure: unknown;
    const growth = await peakRssGrowth(() => tree.readFile('vendor/zeros.bin').catch((error: unknown) => { failure = error; }));
    assert.ok(isFetchTooLarge(/@[0-9a-f]{12}: vendor\/zeros\.bin is a blob of 314572800 bytes \(300\.0 MiB\), larger than 67108864 bytes \(64\.0 MiB\), the limit of one Git object \(maxObjectBytes\); it is not read$/)(failure), String(failure));
    assert.ok(growth < 96 * mib, `RSS grew by ${(growth / mib).toFixed(0)} MiB reading a 300 MiB blob`);
    await assert.rejects(tree.snapshot(await tempDir('snapshot', root)), isFetchTooLarge(/vendor\/zeros\.bin is a blob of 314572800 bytes/));
    assert.match((await tree.readFile('apps/web/cm.yaml')).toString(), /kind: ConfigMap/);
  });

  it('as a loose object of a local repository (berth render --revision) is refused when read', async () => {
    const local = new GitStore(path.join(bomb.work, '.git'), { maxObjectBytes: 64 * mib, maxTotalBytes: 1024 * mib });
    const head = await git(bomb.work, 'rev-parse', 'HEAD');
    const tree = new GitTree(local, head, `${bomb.work}@${head.slice(0, 12)}`);
    await assert.rejects(tree.readFile('vendor/zeros.bin'), isFetchTooLarge(/vendor\/zeros\.bin is a blob of 314572800 bytes/));
    assert.match((await tree.readFile('apps/web/cm.yaml')).toString(), /kind: ConfigMap/);
  });
});

describe('A Git bomb tracked by one Application, end to end', () => {
  it('fails that Application on its status and leaves the controller well and the other Application Synced', { timeout: 300_000 }, async (t) => {
    const namespace = await testNamespace(t, 'git-bomb');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    await installApplicationCrd(rest);
    const healthy = await createRepository(root, 'e2e-healthy');
    await commitFiles(healthy, { 'apps/web/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: healthy, namespace: ${namespace} }\ndata: { value: ok }\n` }, 'first');
    const applications = `/apis/berth.dev/v1alpha1/namespaces/${namespace}/applications`;
    for (const [name, repository] of [['bombed', 'bomb'], ['healthy', 'e2e-healthy']] as const) {
      await rest.request('POST', applications, {
        body: {
          apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
          spec: {
            source: { repoURL: server.url(repository), targetRevision: 'main', path: 'apps/web' },
            destination: { namespace },
            syncPolicy: { automated: { prune: true }, pollInterval: '10s' },
          },
        },
      });
    }
    const prefix = uniqueName('berth-git-bomb');
    cleanUpPrefix(t, prefix);
    // The default caps (128 MiB an object today): the 300 MiB blob is over them.
    const controller = startControllerProcess({ watchCluster: true, namespaces: [namespace], queuePrefix: prefix });
    t.after(async () => { await controller.stop(); });

    interface AppStatus { sync?: { status?: string }; health?: { status?: string }; conditions?: { type: string; status: string; message?: string }[] }
    const statusOf = async (name: string): Promise<AppStatus | undefined> =>
      ((await rest.request('GET', `${applications}/${name}`)).body as { status?: AppStatus }).status;
    await controller.explain(eventually('the healthy Application to be Synced and Healthy', async () => {
      const status = await statusOf('healthy');
      return status?.sync?.status === 'Synced' && status.health?.status === 'Healthy' ? status : undefined;
    }, { timeoutMs: 120_000 }));
    const ready = await controller.explain(eventually('the bombed Application to report the cap on its Ready condition', async () => {
      const condition = (await statusOf('bombed'))?.conditions?.find((entry) => entry.type === 'Ready');
      return condition?.status === 'False' && condition.message?.includes('maxObjectBytes') ? condition : undefined;
    }, { timeoutMs: 120_000 }));
    assert.match(ready.message ?? '', /bomb\.git@main: a blob of 314572800 bytes \(300\.0 MiB\) inflated is larger than \d+ bytes \([\d.]+ MiB\), the limit of one Git object \(maxObjectBytes\)/);

    const pid = controller.child.pid ?? 0;
    const hwm = /VmHWM:\s+(\d+) kB/.exec(await fs.readFile(`/proc/${pid}/status`, 'utf8'));
    const peakMiB = Number(hwm?.[1] ?? Number.NaN) / 1024;
    // Fetching the bomb whole took the controller past 1.3 GiB before the cap.
    assert.ok(peakMiB < 512, `the controller's peak RSS was ${peakMiB.toFixed(0)} MiB`);
    assert.equal(controller.child.exitCode, null, 'the controller is still running');
    t.diagnostic(`controller peak RSS ${peakMiB.toFixed(0)} MiB`);
  });
});
