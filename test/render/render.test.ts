/**
 * Rendering with the real tools: plain directories, Kustomize (`kubectl
 * kustomize` here, as no kustomize binary is installed) and Helm (built by the
 * harness), from a local folder and from a Git commit; every validation error;
 * the sandbox of external renderers (deadline, output cap, no inherited
 * secrets); and the render cache.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { helmBinary } from '../harness/assets.ts';
import { InvalidSourceError } from '../../src/errors.ts';
import { GitSource } from '../../src/source/git-source.ts';
import { parseRepository } from '../../src/source/repository.ts';
import { LocalTree } from '../../src/source/local-tree.ts';
import { objectsOf, Renderer, type RenderRequest } from '../../src/render/render.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';

const fixtures = path.join(import.meta.dirname, '../fixtures/render');
let helm: string;
let scratch: string;

before(async () => {
  helm = await helmBinary();
  scratch = await tempDir('render');
});
after(async () => {
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

const cm = (name: string, extra = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;

function rejectsWith(pattern: RegExp, reason = 'InvalidManifest') {
  return (error: unknown): boolean => {
    assert.ok(error instanceof InvalidSourceError, String(error));
    assert.equal(error.reason, reason);
    assert.match(error.message, pattern);
    return true;
  };
}

function render(root: string, request: Partial<RenderRequest> = {}, renderer = new Renderer({ helmBinary: helm })) {
  return renderer.render({ tree: new LocalTree(root), path: '.', appName: 'demo', ...request });
}

describe('plain directory rendering', () => {
  it('reads .yaml, .yml and .json files in path order, and subfolders only when asked', async () => {
    const root = await folder({
      'app/b.yml': cm('b'), 'app/a.yaml': `${cm('a')}---\n${cm('a2')}`, 'app/c.json': '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"c"}}',
      'app/notes.txt': 'not a manifest', 'app/sub/d.yaml': cm('d'),
    });
    const flat = await render(root, { path: 'app' });
    assert.equal(flat.kind, 'directory');
    assert.deepEqual(objectsOf(flat).map((object) => object.metadata.name), ['a', 'a2', 'b', 'c']);
    assert.deepEqual(flat.manifests.map((manifest) => `${manifest.file}:${manifest.line}`), ['app/a.yaml:1', 'app/a.yaml:6', 'app/b.yml:1', 'app/c.json:1']);
    const deep = await render(root, { path: 'app', directory: { recurse: true, include: [], exclude: [] } });
    assert.deepEqual(objectsOf(deep).map((object) => object.metadata.name), ['a', 'a2', 'b', 'c', 'd']);
  });

  it('narrows files with include and exclude globs', async () => {
    const root = await folder({ 'a.yaml': cm('a'), 'b.yaml': cm('b'), 'test/t.yaml': cm('t'), 'prod/p.yaml': cm('p') });
    const result = await render(root, { directory: { recurse: true, include: ['**/*.yaml'], exclude: ['test/**', 'b.yaml'] } });
    assert.deepEqual(objectsOf(result).map((object) => object.metadata.name), ['a', 'p']);
  });
});

describe('validation errors name the file', () => {
  const cases: [string, Record<string, string>, RegExp, string?][] = [
    ['a missing apiVersion', { 'x.yaml': 'kind: ConfigMap\nmetadata: {name: a}\n' }, /^x\.yaml:1: the object has no apiVersion$/],
    ['a missing kind', { 'x.yaml': `${cm('a')}---\napiVersion: v1\nmetadata: {name: b}\n` }, /^x\.yaml:6: the object has no kind$/],
    ['a missing metadata.name', { 'x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: a}\n' }, /^x\.yaml:1: ConfigMap has no metadata\.name$/],
    ['a duplicate object, naming both files', { 'a.yaml': cm('same'), 'b.yaml': `# header\n---\n${cm('same')}` }, /^b\.yaml:3: ConfigMap\/same is also defined at a\.yaml:1$/],
    ['.inf', { 'x.yaml': cm('a', 'data:\n  big: .inf\n') }, /^x\.yaml:6: \.inf is not a number JSON can hold$/],
    ['.nan', { 'x.yaml': cm('a', 'data:\n  list: [1, .NaN]\n') }, /^x\.yaml:6: \.NaN is not a number JSON can hold$/],
    ['malformed YAML', { 'x.yaml': cm('a', 'data:\n  a: [1, 2\n  b: 3\n') }, /^x\.yaml:\d+: /],
    ['malformed JSON', { 'x.json': '{"apiVersion": "v1",\n "kind": }' }, /^x\.json:1: /],
    ['a null key', { 'x.yaml': cm('a', 'data:\n  ~: value\n') }, /^x\.yaml:\d+: .*a mapping key is null/],
    ['a document that is not a mapping', { 'x.yaml': '- a\n- b\n' }, /^x\.yaml:1: a manifest must be a mapping, not a list$/],
    ['a List inside a List', { 'x.yaml': 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: List, items: []}\n' }, /^x\.yaml:1: a List holds another list/],
  ];
  for (const [name, files, pattern] of cases) {
    it(`rejects ${name}`, async () => {
      await assert.rejects(render(await folder(files)), rejectsWith(pattern));
    });
  }

  it('rejects an alias bomb instead of expanding it', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const current = String.fromCharCode(97 + i);
      levels.push(`${current}: &${current} [${Array.from({ length: 10 }, () => `*${previous}`).join(',')}]`);
    }
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n${levels.join('\n')}\n`;
    const started = performance.now();
    await assert.rejects(render(await folder({ 'x.yaml': bomb })), rejectsWith(/^x\.yaml:1: aliases expand this document beyond 1000000 nodes$/));
    assert.ok(performance.now() - started < 5000);
  });

  it('rejects a symlinked manifest and a path that leaves the repository', async () => {
    const root = await folder({ 'app/a.yaml': cm('a'), 'outside.yaml': cm('o') });
    await fs.symlink('../outside.yaml', path.join(root, 'app/link.yaml'));
    await assert.rejects(render(root, { path: 'app' }), rejectsWith(/^app\/link\.yaml: is a symlink/, 'InvalidPath'));
    await assert.rejects(render(root, { path: '../..' }), rejectsWith(/^\.\.\/\.\.: the path leaves the repository$/, 'InvalidPath'));
    await fs.symlink('app', path.join(root, 'linked-app'));
    await assert.rejects(render(root, { path: 'linked-app' }), rejectsWith(/^linked-app: is a symlink/, 'InvalidPath'));
    await assert.rejects(render(root, { path: 'missing' }), rejectsWith(/path missing is not a folder/, 'InvalidPath'));
  });
});

describe('Kustomize rendering', () => {
  it('detects a kustomization and builds an overlay that uses ../base', async () => {
    const result = await render(fixtures, { path: 'kustomize/overlay' });
    assert.equal(result.kind, 'kustomize');
    const objects = objectsOf(result);
    assert.deepEqual(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort(), ['Deployment/web-prod', 'Service/web-prod']);
    assert.equal((objects.find((object) => object.kind === 'Deployment')?.spec as { replicas: number }).replicas, 5);
  });

  it('applies the spec options through an overlay', async () => {
    const result = await render(fixtures, {
      path: 'kustomize/base',
      kustomize: { namePrefix: 'team-', namespace: 'shop', images: ['nginx=registry.local/nginx:1.27'], commonLabels: { team: 'a' }, commonAnnotations: { owner: 'b' } },
    });
    const deployment = objectsOf(result).find((object) => object.kind === 'Deployment');
    assert.ok(deployment);
    assert.equal(deployment.metadata.name, 'team-web');
    assert.equal(deployment.metadata.namespace, 'shop');
    assert.equal(deployment.metadata.labels?.team, 'a');
    assert.equal(deployment.metadata.annotations?.owner, 'b');
    assert.match(JSON.stringify(deployment.spec), /registry\.local\/nginx:1\.27/);
  });

  it('reports a failing build with the repository path, not the temp folder', async () => {
    const root = await folder({ 'app/kustomization.yaml': 'resources:\n  - missing.yaml\n' });
    await assert.rejects(render(root, { path: 'app' }), (error: unknown) => {
      assert.ok(error instanceof InvalidSourceError);
      assert.equal(error.reason, 'RenderFailed');
      assert.match(error.message, /^app: kubectl kustomize: failed \(exit 1\): .*missing\.yaml/s);
      assert.doesNotMatch(error.message, /berth-render-/);
      return true;
    });
  });
});

describe('Helm rendering', () => {
  it('detects a chart and renders it with release name, namespace, value files, values and parameters', async () => {
    const result = await render(fixtures, {
      path: 'helm/guestbook', namespace: 'shop',
      helm: {
        releaseName: 'guest', valueFiles: ['values-prod.yaml'], values: 'greeting: hi\n', valuesObject: { image: 'nginx:1.27' },
        parameters: [{ name: 'port', value: '9090', forceString: true }], skipCrds: false, apiVersions: [],
      },
    });
    assert.equal(result.kind, 'helm');
    const byKind = new Map(objectsOf(result).map((object) => [object.kind, object]));
    assert.deepEqual(byKind.get('ConfigMap')?.data, { greeting: 'hi', replicas: '3', port: '9090' });
    assert.equal(byKind.get('ConfigMap')?.metadata.namespace, 'shop');
    assert.equal(byKind.get('Deployment')?.metadata.name, 'guest');
    assert.match(JSON.stringify(byKind.get('Deployment')), /nginx:1\.27/);
    assert.ok(byKind.has('CustomResourceDefinition'));
    assert.ok(result.manifests.some((manifest) => manifest.file === 'helm/guestbook/templates/configmap.yaml'));
  });

  it('detects a chart with no spec and uses the Application name as release', async () => {
    const result = await render(fixtures, { path: 'helm/guestbook' });
    assert.equal(objectsOf(result).find((object) => object.kind === 'Deployment')?.metadata.name, 'demo');
  });

  it('rejects a value file outside the repository and a template that fails', async () => {
    await assert.rejects(render(fixtures, { path: 'helm/guestbook', helm: { valueFiles: ['../../../../etc/passwd'], parameters: [], skipCrds: false, apiVersions: [] } }),
      rejectsWith(/value file \.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd leaves the repository/, 'InvalidPath'));
    const root = await folder({ 'chart/Chart.yaml': 'apiVersion: v2\nname: broken\nversion: 0.1.0\n', 'chart/templates/a.yaml': '{{ fail "boom" }}\n' });
    await assert.rejects(render(root, { path: 'chart' }), rejectsWith(/^chart: helm template: failed \(exit 1\): .*boom/s, 'RenderFailed'));
  });
});

describe('external renderer sandbox', () => {
  async function fakeHelm(script: string): Promise<string> {
    const file = path.join(await fs.mkdtemp(path.join(scratch, 'bin-')), 'helm');
    await fs.writeFile(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    return file;
  }
  const chart = { 'c/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n' };

  it('gives the renderer no inherited credentials', async () => {
    process.env.AWS_SECRET_ACCESS_KEY = 'leaked-secret';
    try {
      const binary = await fakeHelm('printf "apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: env}\\ndata: {aws: \\"%s\\", home: \\"%s\\", kubeconfig: \\"%s\\"}\\n" "$AWS_SECRET_ACCESS_KEY" "$HOME" "$KUBECONFIG"');
      const result = await render(await folder(chart), { path: 'c' }, new Renderer({ helmBinary: binary }));
      const data = objectsOf(result)[0]?.data as Record<string, string>;
      assert.equal(data.aws, '');
      assert.match(data.home ?? '', /berth-render-/);
      assert.match(data.kubeconfig ?? '', /no-kubeconfig$/);
    } finally {
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  it('kills a renderer that runs past its deadline', async () => {
    const binary = await fakeHelm('exec sleep 30');
    const started = performance.now();
    await assert.rejects(render(await folder(chart), { path: 'c' }, new Renderer({ helmBinary: binary, timeoutMs: 300 })),
      rejectsWith(/^c: helm template: did not finish within 300 ms and was stopped$/, 'RenderFailed'));
    assert.ok(performance.now() - started < 5000);
  });

  it('stops a renderer that prints more than the output limit', async () => {
    const binary = await fakeHelm('exec yes');
    await assert.rejects(render(await folder(chart), { path: 'c' }, new Renderer({ helmBinary: binary, maxOutputBytes: 100_000 })),
      rejectsWith(/printed more than 100000 bytes/, 'RenderFailed'));
  });
});

describe('rendering a Git commit, and the render cache', () => {
  it('renders Kustomize from a commit and serves the same (commit, path, options) from the cache', async () => {
    const root = await tempDir('render-git');
    const server = await startGitServer(root);
    try {
      const repository = await createRepository(root, 'deploy');
      const files: Record<string, string> = {};
      for (const file of ['base/kustomization.yaml', 'base/deployment.yaml', 'base/service.yaml', 'overlay/kustomization.yaml']) {
        files[`apps/${file}`] = await fs.readFile(path.join(fixtures, 'kustomize', file), 'utf8');
      }
      const commit = await commitFiles(repository, files);
      const source = new GitSource({ cacheDir: await tempDir('cache', root) });
      const remote = parseRepository(server.url('deploy'));
      await source.fetch(remote, await source.resolveRevision(remote, 'main'));
      const tree = await source.tree(remote, commit);
      let rendered = 0;
      const renderer = new Renderer({ helmBinary: helm, onRender: () => { rendered += 1; } });
      const request = { tree, commit, path: 'apps/overlay', appName: 'demo' };
      const first = await renderer.render(request);
      assert.equal(first.kind, 'kustomize');
      assert.deepEqual(objectsOf(first).map((object) => object.metadata.name).sort(), ['web-prod', 'web-prod']);

      assert.equal(rendered, 1);
      const second = await renderer.render(request);
      assert.deepEqual(second, first);
      assert.equal(rendered, 1, 'the second render was served from the cache (its speed: bench/render.ts)');
      // Each caller gets its own copy.
      (objectsOf(second)[0] as { metadata: { name: string } }).metadata.name = 'mutated';
      assert.notEqual(objectsOf(await renderer.render(request))[0]?.metadata.name, 'mutated');
    } finally {
      await server.close();
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('keys the cache by commit: the same path at another commit renders again', async () => {
    const root = await folder({ 'a.yaml': cm('before') });
    const renderer = new Renderer({ helmBinary: helm });
    const tree = new LocalTree(root);
    assert.equal(objectsOf(await renderer.render({ tree, commit: 'c1', path: '.', appName: 'x' }))[0]?.metadata.name, 'before');
    await fs.writeFile(path.join(root, 'a.yaml'), cm('after'));
    assert.equal(objectsOf(await renderer.render({ tree, commit: 'c1', path: '.', appName: 'x' }))[0]?.metadata.name, 'before');
    assert.equal(objectsOf(await renderer.render({ tree, commit: 'c2', path: '.', appName: 'x' }))[0]?.metadata.name, 'after');
  });
});
