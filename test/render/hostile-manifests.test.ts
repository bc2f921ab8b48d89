/**
 * Manifests written to hurt the controller: very deep nesting (YAML and JSON),
 * enormous files and objects, names that are not Kubernetes names (`..` would
 * even climb Berth's own request paths), and a Kustomize resource that reaches
 * out of the repository through a symlink or an absolute path. Each is refused
 * with an InvalidSourceError naming the file, quickly, and renders nothing.
 * (Alias bombs and symlinked files in a plain directory: render.test.ts.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { maxManifestFileBytes } from '../../src/render/directory.ts';
import { LocalTree } from '../../src/source/local-tree.ts';
import { maxObjectBytes } from '../../src/render/manifests.ts';
import { Renderer, type RenderRequest } from '../../src/render/render.ts';
import { InvalidSourceError } from '../../src/errors.ts';
import { tempDir } from '../harness/git-repositories.ts';

let scratch: string;
before(async () => { scratch = await tempDir('hostile'); });
after(async () => { await fs.rm(scratch, { recursive: true, force: true }); });

async function folder(files: Record<string, string | Buffer>): Promise<string> {
  const root = await fs.mkdtemp(path.join(scratch, 'tree-'));
  for (const [file, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.writeFile(path.join(root, file), content);
  }
  return root;
}

const render = (root: string, request: Partial<RenderRequest> = {}) =>
  new Renderer().render({ tree: new LocalTree(root), path: '.', appName: 'hostile', ...request });

function refused(pattern: RegExp, reason = 'InvalidManifest') {
  return (error: unknown): boolean => {
    assert.ok(error instanceof InvalidSourceError, String(error));
    assert.equal(error.reason, reason);
    assert.match(error.message, pattern);
    return true;
  };
}

const header = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\n';

describe('hostile manifests', () => {
  it('refuses YAML nested deeper than 100 levels', async () => {
    const deep = `${header}data: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
    await assert.rejects(render(await folder({ 'deep.yaml': deep })), refused(/^deep\.yaml:4: nesting exceeded maxDepth \(100\)$/));
  });

  it('refuses JSON nested deeper than 100 levels, without exhausting the stack', async () => {
    const deep = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${'['.repeat(500_000)}${']'.repeat(500_000)}}`;
    await assert.rejects(render(await folder({ 'deep.json': deep })), refused(/^deep\.json:1: nesting exceeded maxDepth \(100\)$/));
    // Ordinary nesting still renders.
    const fine = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fine"},"x":${'['.repeat(50)}${']'.repeat(50)}}`;
    assert.equal((await render(await folder({ 'fine.json': fine }))).manifests.length, 1);
  });

  it('refuses a manifest file larger than the limit before parsing it', async () => {
    const huge = Buffer.alloc(maxManifestFileBytes + 1, 0x20);
    huge.write(header);
    const started = performance.now();
    await assert.rejects(render(await folder({ 'huge.yaml': huge })), refused(new RegExp(`^huge\\.yaml: is ${maxManifestFileBytes + 1} bytes, more than the ${maxManifestFileBytes} one manifest file may have$`)));
    assert.ok(performance.now() - started < 5_000);
  });

  it('refuses more objects than the per-Application limit, naming the limit', async () => {
    const many = Array.from({ length: 6 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\n`).join('---\n');
    const root = await folder({ 'many.yaml': many });
    const limited = (maxObjects: number) => new Renderer({ maxObjects }).render({ tree: new LocalTree(root), path: '.', appName: 'hostile' });
    await assert.rejects(limited(5), refused(/^\.: renders 6 objects, more than the limit of 5 objects per Application$/));
    assert.equal((await limited(6)).manifests.length, 6);
  });

  it('refuses an object larger than the API server accepts', async () => {
    const big = `${header.replace('deep', 'big')}data:\n  blob: "${'x'.repeat(maxObjectBytes)}"\n`;
    await assert.rejects(render(await folder({ 'big.yaml': big })), refused(/^big\.yaml:1: ConfigMap\/big is \d+ bytes as JSON, more than the 3145728 the API server accepts$/));
  });

  const badNames: [string, string, RegExp][] = [
    ['a name of ".."', 'name: ".."', /^x\.yaml:1: ConfigMap name "\.\." is not a valid Kubernetes name: it may not be "\." or "\.\."$/],
    ['a name with a slash', 'name: "a/../../b"', /^x\.yaml:1: ConfigMap name "a\/\.\.\/\.\.\/b" is not a valid Kubernetes name: it may not contain "\/" or "%"$/],
    ['a name with a percent sign', 'name: "a%2F.."', /may not contain "\/" or "%"$/],
    ['a name with a newline', 'name: "a\\nb"', /may not contain whitespace or control characters$/],
    ['a name longer than 253 characters', `name: ${'a'.repeat(254)}`, /it is 254 characters long, more than 253$/],
    ['a namespace that is not a DNS label', 'name: ok\n  namespace: "../kube-system"', /^x\.yaml:1: ConfigMap\/ok has namespace "\.\.\/kube-system", which is not a valid namespace name/],
  ];
  for (const [what, metadata, pattern] of badNames) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(render(await folder({ 'x.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  ${metadata}\n` })), refused(pattern));
    });
  }

  it('keeps names every kind may have, such as RBAC names with colons', async () => {
    const role = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: "system:aggregate-to-edit"\nrules: []\n';
    const { manifests } = await render(await folder({ 'role.yaml': role }));
    assert.equal(manifests[0]?.object.metadata.name, 'system:aggregate-to-edit');
  });

  it('does not let a kustomization read through a symlink out of the repository', async () => {
    const secret = await folder({ 'secret.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen}\n' });
    const root = await folder({ 'app/kustomization.yaml': 'resources:\n- link.yaml\n' });
    await fs.symlink(path.join(secret, 'secret.yaml'), path.join(root, 'app/link.yaml'));
    await assert.rejects(render(root, { path: 'app' }), (error: unknown) => {
      assert.ok(error instanceof InvalidSourceError, String(error));
      assert.match(error.message, /^app: .*link\.yaml/);
      assert.doesNotMatch(error.message, /stolen/);
      return true;
    });
  });

  it('does not let a kustomization read a file by absolute path', async () => {
    const outside = await folder({ 'secret.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen}\n' });
    const root = await folder({ 'app/kustomization.yaml': `resources:\n- ${path.join(outside, 'secret.yaml')}\n` });
    await assert.rejects(render(root, { path: 'app' }), (error: unknown) => {
      assert.ok(error instanceof InvalidSourceError, String(error));
      // Refused by Berth's kustomization scan before kustomize runs, naming the file and the entry.
      assert.match(error.message, /^app\/kustomization\.yaml: resources entry \/.*secret\.yaml is an absolute path/);
      return true;
    });
  });
});
