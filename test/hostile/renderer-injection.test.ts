/**
 * Issue #13, finding 1: no string of an Application ever becomes an option of a
 * renderer. With the real helm: a release name `--set-file=x=<file>` would read
 * a file of the controller's into a rendered object, and
 * `--post-renderer=<script in the repository>` would run the tenant's code in
 * the controller. Both are refused by the schema (a release name is a DNS-1123
 * label of at most 53 characters), and even a request that skipped the schema
 * cannot reach helm as an option: positional values follow `--`. A script in
 * the repository is not executable in the snapshot the renderer reads. Every
 * other renderer input (kube version, API versions, kustomize options) is
 * validated by type.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sourceSpecSchema } from '../../src/application/source-spec.ts';
import { LocalTree } from '../../src/source/local-tree.ts';
import { objectsOf, Renderer, type RenderRequest } from '../../src/render/render.ts';
import { helmBinary } from '../harness/assets.ts';
import { tempDir } from '../harness/git-repositories.ts';

const parseSourceSpec = (input: unknown) => sourceSpecSchema.parse(input);

let root: string;
let helm: string;
/** A file of the controller's, outside any repository: what an injection would read. */
let controllerSecret: string;
const secretText = 'controller-token-7f3a9c';

before(async () => {
  helm = await helmBinary();
  root = await tempDir('renderer-injection');
  controllerSecret = path.join(root, 'controller-token');
  await fs.writeFile(controllerSecret, secretText);
  const chart = path.join(root, 'repo/apps/chart');
  await fs.mkdir(path.join(chart, 'templates'), { recursive: true });
  await fs.writeFile(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: chart\nversion: 0.1.0\n');
  await fs.writeFile(path.join(chart, 'templates/cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: leak}\ndata: {x: {{ .Values.x | default "" | quote }}}\n');
  // The post-renderer a tenant would like to run: it leaves a mark, then passes the manifests through.
  await fs.writeFile(path.join(chart, 'evil.sh'), `#!/bin/sh\ntouch ${path.join(root, 'post-renderer-ran')}\ncat\n`, { mode: 0o755 });
  await fs.mkdir(path.join(root, 'work'));
});
after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const helmOptions = { valueFiles: [], parameters: [], skipCrds: false, apiVersions: [] };

async function renderChart(helmSpec: Partial<NonNullable<RenderRequest['helm']>>, binary = helm): Promise<{ text: string; error: unknown }> {
  const renderer = new Renderer({ helmBinary: binary, workDir: path.join(root, 'work') });
  try {
    const result = await renderer.render({
      tree: new LocalTree(path.join(root, 'repo')), path: 'apps/chart', appName: 'web', namespace: 'team-a',
      helm: { ...helmOptions, ...helmSpec },
    });
    return { text: JSON.stringify(objectsOf(result)), error: undefined };
  } catch (error) {
    return { text: '', error };
  }
}

describe('a release name cannot be a helm option', () => {
  it('--set-file=x=<a controller file> reads nothing into a rendered object', async (t) => {
    const { text, error } = await renderChart({ releaseName: `--set-file=x=${controllerSecret}` });
    t.diagnostic(error instanceof Error ? error.message : `rendered: ${text}`);
    assert.doesNotMatch(text, new RegExp(secretText), 'the controller\'s file was read into a rendered object');
    assert.ok(error instanceof Error, 'a release name that is not a DNS-1123 label renders nothing');
  });

  it('--post-renderer=<a script in the repository> does not run', async (t) => {
    const { error } = await renderChart({ releaseName: '--post-renderer=tree/apps/chart/evil.sh' });
    t.diagnostic(error instanceof Error ? error.message : 'rendered');
    await assert.rejects(fs.access(path.join(root, 'post-renderer-ran')), 'the repository\'s script ran inside the controller');
    assert.ok(error instanceof Error);
  });

  it('is refused by the Application schema: a DNS-1123 label of at most 53 characters', () => {
    const source = (releaseName: string) => ({ repoURL: 'https://git.example/deploy.git', helm: { releaseName } });
    assert.throws(() => parseSourceSpec(source(`--set-file=x=${controllerSecret}`)), /releaseName/);
    assert.throws(() => parseSourceSpec(source('--post-renderer=evil.sh')), /releaseName/);
    assert.throws(() => parseSourceSpec(source('a'.repeat(54))), /releaseName/);
    assert.throws(() => parseSourceSpec(source('Web')), /releaseName/);
    assert.equal(parseSourceSpec(source('a'.repeat(53))).helm?.releaseName, 'a'.repeat(53));
    assert.equal(parseSourceSpec(source('web-1')).helm?.releaseName, 'web-1');
  });
});

describe('every other renderer input is validated by type', () => {
  const helmSource = (helm: Record<string, unknown>) => ({ repoURL: 'https://git.example/deploy.git', helm });
  const kustomizeSource = (kustomize: Record<string, unknown>) => ({ repoURL: 'https://git.example/deploy.git', kustomize });
  const refusedCases: [string, Record<string, unknown>, RegExp][] = [
    ['a kubeVersion that is a flag', helmSource({ kubeVersion: '--post-renderer=x' }), /kubeVersion/],
    ['a kubeVersion that is not a version', helmSource({ kubeVersion: 'latest' }), /kubeVersion/],
    ['an API version that is a flag', helmSource({ apiVersions: ['--set-file=a=/etc/passwd'] }), /apiVersions/],
    ['an API version with a space', helmSource({ apiVersions: ['apps/v1 x'] }), /apiVersions/],
    ['a value file with a newline', helmSource({ valueFiles: ['a.yaml\n--set'] }), /valueFiles/],
    ['a parameter name with a newline', helmSource({ parameters: [{ name: 'a\nb', value: '1' }] }), /parameters/],
    ['a kustomize namespace that is not a namespace name', kustomizeSource({ namespace: '--x' }), /namespace/],
    ['a kustomize namePrefix with a slash', kustomizeSource({ namePrefix: '../' }), /namePrefix/],
    ['a kustomize image with a newline', kustomizeSource({ images: ['nginx\nresources: [http://x]'] }), /images/],
    ['a kustomize label key that is not a label key', kustomizeSource({ commonLabels: { 'a b': 'c' } }), /commonLabels/],
  ];
  for (const [name, input, pattern] of refusedCases) {
    it(`refuses ${name}`, () => {
      assert.throws(() => parseSourceSpec(input), pattern);
    });
  }

  it('accepts what helm and kustomize users write', () => {
    const helm = parseSourceSpec(helmSource({
      releaseName: 'guest', kubeVersion: 'v1.31.2', apiVersions: ['v1', 'apps/v1', 'monitoring.coreos.com/v1/ServiceMonitor'],
      valueFiles: ['values-prod.yaml', '../shared/values.yaml'],
      parameters: [{ name: 'image.tag', value: '1.27' }, { name: 'list', value: '{a,b}' }, { name: 'a\\.b', value: 'x=y,z' }],
    }));
    assert.equal(helm.helm?.kubeVersion, 'v1.31.2');
    for (const kubeVersion of ['1.31', '1.31.0', 'v1.31.0-gke.100']) assert.ok(parseSourceSpec(helmSource({ kubeVersion })));
    const kustomize = parseSourceSpec(kustomizeSource({
      namePrefix: 'team-', nameSuffix: '-v2', namespace: 'shop',
      images: ['nginx=registry.local:5000/nginx:1.27', 'app@sha256:abc'], commonLabels: { 'app.kubernetes.io/part-of': 'shop', team: 'a' },
    }));
    assert.equal(kustomize.kustomize?.namespace, 'shop');
  });
});

describe('the snapshot a renderer reads', () => {
  it('has no executable files, so a script in the repository cannot be run even if reached', async () => {
    // A stand-in helm that only reports whether the repository's script is executable in the snapshot.
    const binary = path.join(root, 'probe-helm.sh');
    await fs.writeFile(binary, [
      '#!/bin/sh',
      'for a; do chart=$a; done',
      'if [ -x "$chart/evil.sh" ]; then x=runnable; else x=plain; fi',
      'printf "apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: probe}\\ndata: {executable: %s}\\n" "$x"',
    ].join('\n'), { mode: 0o755 });
    const { text, error } = await renderChart({}, binary);
    assert.equal(error, undefined, String(error));
    assert.match(text, /"executable":"plain"/);
  });
});
