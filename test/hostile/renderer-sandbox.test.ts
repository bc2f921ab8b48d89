/**
 * Issue #13, findings 5 and 6 (the render half): a renderer runs in a sandbox.
 * With the real kustomize (`kubectl kustomize` here) and helm: a 1 KiB YAML
 * alias bomb in a kustomize resource is stopped by the memory limit, and a
 * Helm template that loops by the CPU limit, each with an error naming the
 * Application's path and the limit, while the controller's own memory stays
 * low; remote kustomize resources and bases are refused before kustomize runs,
 * naming the kustomization and the entry, and nothing is fetched; the
 * allow-list admits one, served from loopback, only through the Git client's
 * address checks; and one render reads at most its byte cap, all files together.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { InvalidSourceError } from '../../src/errors.ts';
import { maxManifestFileBytes } from '../../src/render/directory.ts';
import { LocalTree } from '../../src/source/local-tree.ts';
import { objectsOf, Renderer, type RendererOptions, type RenderRequest } from '../../src/render/render.ts';
import { toolEnvironment } from '../../src/render/run-tool.ts';
import { helmBinary } from '../harness/assets.ts';
import { tempDir } from '../harness/git-repositories.ts';

const execFileAsync = promisify(execFile);

let scratch: string;
let helm: string;
let server: http.Server;
let serverUrl: string;
let requestsServed = 0;

before(async () => {
  helm = await helmBinary();
  scratch = await tempDir('renderer-sandbox');
  server = http.createServer((request, response) => {
    requestsServed++;
    response.setHeader('content-type', 'application/yaml');
    response.end('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fetched}\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  await fs.rm(scratch, { recursive: true, force: true });
});

async function folder(files: Record<string, string>): Promise<string> {
  const root = await fs.mkdtemp(path.join(scratch, 'tree-'));
  for (const [file, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.writeFile(path.join(root, file), content);
  }
  return root;
}

function render(root: string, request: Partial<RenderRequest>, options: RendererOptions = {}) {
  return new Renderer({ helmBinary: helm, ...options }).render({ tree: new LocalTree(root), path: 'app', appName: 'hostile', ...request });
}

function refused(pattern: RegExp, reason: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof InvalidSourceError, String(error));
    assert.equal(error.reason, reason, error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

/** Resident memory of this process (the controller's side of a render), from the kernel. */
async function residentBytes(): Promise<number> {
  const status = await fs.readFile('/proc/self/status', 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

const mib = 1024 * 1024;

/** 9 levels of 10 aliases each: 10^9 nodes from 419 bytes. */
function aliasBomb(): string {
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) {
    const previous = String.fromCharCode(96 + i);
    levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array.from({ length: 10 }, () => `*${previous}`).join(',')}]`);
  }
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  x: y\n${levels.join('\n')}\n`;
}

describe('a renderer under its memory and CPU limits', () => {
  it('stops a 1 KiB alias bomb under kustomize at the memory limit, naming the path and the limit', { timeout: 120_000 }, async (t) => {
    const root = await folder({ 'app/kustomization.yaml': 'resources: [bomb.yaml]\n', 'app/bomb.yaml': aliasBomb() });
    const before = await residentBytes();
    const started = performance.now();
    await assert.rejects(render(root, {}, { memoryLimitBytes: 512 * mib }),
      refused(/^app: kubectl kustomize: used more than its memory limit of 536870912 bytes and was stopped$/, 'RenderFailed'));
    const grew = (await residentBytes()) - before;
    t.diagnostic(`stopped after ${Math.round(performance.now() - started)} ms; the controller's RSS grew by ${(grew / mib).toFixed(1)} MiB`);
    assert.ok(grew < 100 * mib, `the controller's RSS grew by ${(grew / mib).toFixed(1)} MiB while kustomize ran the bomb`);
  });

  it('stops a looping Helm template at the CPU limit, naming the path and the limit', { timeout: 120_000 }, async (t) => {
    const root = await folder({
      'app/Chart.yaml': 'apiVersion: v2\nname: loop\nversion: 0.1.0\n',
      'app/templates/loop.yaml': '{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}\n',
    });
    const started = performance.now();
    await assert.rejects(render(root, {}, { cpuSeconds: 2 }),
      refused(/^app: helm template: used more than its CPU limit of 2 s and was stopped$/, 'RenderFailed'));
    t.diagnostic(`stopped after ${Math.round(performance.now() - started)} ms`);
  });

  it('renders a healthy Application beside the bomb: one hostile render does not stop another', { timeout: 120_000 }, async () => {
    const bomb = await folder({ 'app/kustomization.yaml': 'resources: [bomb.yaml]\n', 'app/bomb.yaml': aliasBomb() });
    const healthy = await folder({
      'app/kustomization.yaml': 'resources: [cm.yaml]\n', 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: healthy}\n',
    });
    const renderer = new Renderer({ helmBinary: helm });
    const [hostile, fine] = await Promise.allSettled([
      renderer.render({ tree: new LocalTree(bomb), path: 'app', appName: 'bomb' }),
      renderer.render({ tree: new LocalTree(healthy), path: 'app', appName: 'healthy' }),
    ]);
    assert.equal(hostile.status, 'rejected');
    assert.match(String(hostile.reason), /memory limit of 536870912 bytes/);
    assert.equal(fine.status, 'fulfilled', String((fine as PromiseRejectedResult).reason));
    assert.deepEqual(objectsOf(fine.value).map((object) => object.metadata.name), ['healthy']);
  });

  it('still renders the examples of test/render within the default limits', async () => {
    const fixtures = path.join(import.meta.dirname, '../fixtures/render');
    const tree = new LocalTree(fixtures);
    const renderer = new Renderer({ helmBinary: helm });
    assert.equal(objectsOf(await renderer.render({ tree, path: 'kustomize/overlay', appName: 'x' })).length, 2);
    assert.ok(objectsOf(await renderer.render({ tree, path: 'helm/guestbook', appName: 'x' })).length >= 2);
  });
});

describe('remote kustomize resources and bases', () => {
  const remoteEntries: [string, string, RegExp][] = [
    ['an http(s) resource', 'resources:\n- SERVER/cm.yaml\n', /^app\/kustomization\.yaml: resources entry http:\/\/127\.0\.0\.1:\d+\/cm\.yaml is fetched from outside the repository/],
    ['a remote base with a ref', 'resources:\n- https://github.com/acme/deploy//base?ref=v1.0.0\n', /^app\/kustomization\.yaml: resources entry https:\/\/github\.com\/acme\/deploy\/\/base\?ref=v1\.0\.0 is fetched/],
    ['an ssh base', 'resources:\n- git@github.com:acme/deploy.git//base\n', /resources entry git@github\.com:acme\/deploy\.git\/\/base is fetched/],
    ['a local repository by file://', 'resources:\n- file:///srv/git/secrets.git//base\n', /resources entry file:\/\/\/srv\/git\/secrets\.git\/\/base is fetched/],
    ['a github.com path', 'bases:\n- github.com/acme/deploy/base\n', /bases entry github\.com\/acme\/deploy\/base is fetched/],
    ['a component', 'components:\n- https://example.com/c.git//x\n', /components entry https:\/\/example\.com\/c\.git\/\/x is fetched/],
    ['a patch by URL', 'resources: [cm.yaml]\npatches:\n- path: SERVER/patch.yaml\n', /patches\[0\]\.path entry http:\/\/127\.0\.0\.1:\d+\/patch\.yaml is fetched/],
    ['a Helm chart with a repository', 'helmCharts:\n- name: web\n  repo: https://charts.example.com\n', /helmCharts\[0\]\.repo entry https:\/\/charts\.example\.com is fetched/],
  ];
  for (const [name, kustomization, pattern] of remoteEntries) {
    it(`refuses ${name} before kustomize runs, naming the file and the entry`, async () => {
      const root = await folder({
        'app/kustomization.yaml': kustomization.replaceAll('SERVER', serverUrl),
        'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: local}\n',
      });
      const served = requestsServed;
      await assert.rejects(render(root, {}), refused(pattern, 'NotAllowed'));
      assert.equal(requestsServed, served, 'the renderer fetched from the network');
    });
  }

  it('finds a remote entry in a base the Application reaches through ../', async () => {
    const root = await folder({
      'app/kustomization.yaml': 'resources: [../base]\n',
      'base/kustomization.yml': 'resources:\n- deployment.yaml\n- ../shared\n',
      'shared/Kustomization': `resources:\n- ${serverUrl}/cm.yaml\n`,
    });
    await assert.rejects(render(root, {}), refused(/^shared\/Kustomization: resources entry http:\/\/127\.0\.0\.1:\d+\/cm\.yaml is fetched/, 'NotAllowed'));
  });

  it('refuses a local entry that leaves the repository, and still renders self-references as kustomize reports them', async () => {
    const root = await folder({ 'app/kustomization.yaml': 'resources: [../../../../etc]\n' });
    await assert.rejects(render(root, {}), refused(/^app\/kustomization\.yaml: resources entry \.\.\/\.\.\/\.\.\/\.\.\/etc leaves the repository$/, 'InvalidPath'));
    const loop = await folder({ 'app/kustomization.yaml': 'resources: [.]\n' });
    await assert.rejects(render(loop, {}), refused(/^app: kubectl kustomize: failed/, 'RenderFailed'));
  });

  it('admits an allow-listed base served from loopback only through the address checks', async () => {
    const root = await folder({ 'app/kustomization.yaml': `resources:\n- ${serverUrl}/cm.yaml\n` });
    const allowedRemoteBases = [`${serverUrl}/**`];
    // Loopback is a private address: refused unless the Git client's policy allows private repositories.
    await assert.rejects(render(root, {}, { allowedRemoteBases, networkPolicy: { allowHttpRepos: true, allowPrivateRepos: false, allowLinkLocalRepos: false } }),
      refused(/^app\/kustomization\.yaml: resources entry http:\/\/127\.0\.0\.1:\d+\/cm\.yaml: .*127\.0\.0\.1.*--allow-private-repos/, 'NotAllowed'));
    // Plain http, as for repositories, only when allowed.
    await assert.rejects(render(root, {}, { allowedRemoteBases, networkPolicy: { allowHttpRepos: false, allowPrivateRepos: true, allowLinkLocalRepos: false } }),
      refused(/--allow-http-repos/, 'NotAllowed'));
    // Another URL on the same server is not admitted by a narrower pattern.
    await assert.rejects(render(root, {}, { allowedRemoteBases: [`${serverUrl}/other/*`], networkPolicy: { allowHttpRepos: true, allowPrivateRepos: true, allowLinkLocalRepos: false } }),
      refused(/is fetched from outside the repository, which Berth does not allow \(--allowed-remote-bases: /, 'NotAllowed'));
    const served = requestsServed;
    const result = await render(root, {}, { allowedRemoteBases, networkPolicy: { allowHttpRepos: true, allowPrivateRepos: true, allowLinkLocalRepos: false } });
    assert.deepEqual(objectsOf(result).map((object) => object.metadata.name), ['fetched']);
    assert.ok(requestsServed > served, 'kustomize did not fetch the admitted resource');
  });
});

describe('a renderer has no network of its own', () => {
  it('cannot reach a loopback server, even by running git itself', { timeout: 60_000 }, async () => {
    // A stand-in renderer that tries what a plugin or a remote base would: Git over http to a server on loopback.
    const bin = await fs.mkdtemp(path.join(scratch, 'bin-'));
    const probe = path.join(bin, 'helm');
    await fs.writeFile(probe, [
      '#!/bin/sh',
      `if git ls-remote ${serverUrl}/repo.git >/dev/null 2>&1; then r=reached; else r=refused; fi`,
      'printf "apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: probe}\\ndata: {git: %s}\\n" "$r"',
    ].join('\n'), { mode: 0o755 });
    const root = await folder({ 'app/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n' });
    const served = requestsServed;
    const result = await render(root, {}, { helmBinary: probe });
    assert.deepEqual(objectsOf(result)[0]?.data, { git: 'refused' });
    assert.equal(requestsServed, served, 'the renderer reached the loopback server');
  });

  it('gives Git no protocol at all where no network namespace can be made (GIT_ALLOW_PROTOCOL empty)', async () => {
    const home = await fs.mkdtemp(path.join(scratch, 'home-'));
    const served = requestsServed;
    // Not spawnSync: the server answers from this process's event loop.
    const run = await execFileAsync('git', ['ls-remote', `${serverUrl}/repo.git`], { env: toolEnvironment(home), timeout: 20_000 })
      .then(() => ({ failed: false, stderr: '' }), (error: unknown) => ({ failed: true, stderr: (error as { stderr?: string }).stderr ?? '' }));
    assert.equal(run.failed, true);
    assert.match(run.stderr, /transport 'http' not allowed/);
    assert.equal(requestsServed, served);
  });
});

describe('the total render size cap', () => {
  it('stops a plain directory once its files together pass the cap, naming the path and the cap', { timeout: 120_000 }, async () => {
    // Three files just under the per-file cap (mostly YAML comments, cheap to parse): the third passes the default 64 MiB.
    const files: Record<string, string> = {};
    const padding = `# ${'x'.repeat(1021)}\n`.repeat(Math.floor((maxManifestFileBytes - 4096) / 1024));
    for (const name of ['a', 'b', 'c']) files[`app/${name}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\n${padding}`;
    const root = await folder(files);
    await assert.rejects(render(root, {}),
      refused(/^app: its manifests are more than 67108864 bytes together, the limit of one Application's render \(stopped at app\/c\.yaml\)$/, 'InvalidManifest'));
  });

  it('counts every file of the render, at the cap it is given', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`app/f${String(i).padStart(2, '0')}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: f${i}}\ndata: {x: "${'y'.repeat(100_000)}"}\n`;
    const root = await folder(files);
    await assert.rejects(render(root, {}, { maxRenderBytes: 1_000_000 }), refused(/^app: its manifests are more than 1000000 bytes together.*\(stopped at app\/f09\.yaml\)$/, 'InvalidManifest'));
    assert.equal(objectsOf(await render(root, {}, { maxRenderBytes: 3_000_000 })).length, 20);
  });

  it('caps what helm or kustomize print at the render cap too', async () => {
    const bin = await fs.mkdtemp(path.join(scratch, 'bin-'));
    const flood = path.join(bin, 'helm');
    await fs.writeFile(flood, '#!/bin/sh\nexec yes\n', { mode: 0o755 });
    const root = await folder({ 'app/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n' });
    await assert.rejects(render(root, {}, { helmBinary: flood, maxRenderBytes: 100_000 }), refused(/^app: helm template: printed more than 100000 bytes/, 'RenderFailed'));
  });
});
