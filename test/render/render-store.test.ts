/**
 * The shared render store with the real Redis and the real helm: a chart with a
 * random value renders once for every Renderer on the store (a restart, another
 * replica), an entry that is not a valid render is ignored and replaced, plain
 * YAML is never stored, and a render over the size cap is rendered, not stored.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { LocalTree } from '../../src/source/local-tree.ts';
import { RedisRenderStore, type RedisRenderStoreOptions } from '../../src/render/redis-render-store.ts';
import type { StoredRender } from '../../src/render/render-store.ts';
import { Renderer, renderKey, type RenderRequest } from '../../src/render/render.ts';
import { helmBinary } from '../harness/assets.ts';
import { uniqueName } from '../harness/env.ts';
import { cleanUpPrefix, testRedis } from '../queue/helpers.ts';
import { tempDir } from '../harness/git-repositories.ts';

const chart = {
  'Chart.yaml': 'apiVersion: v2\nname: random\nversion: 0.1.0\n',
  'templates/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-admin\ndata:\n  password: {{ randAlphaNum 24 | b64enc | quote }}\n',
};

async function writeTree(t: TestContext, files: Record<string, string>): Promise<string> {
  const root = await tempDir('berth-render-store-');
  t.after(() => fs.rm(root, { recursive: true, force: true }));
  for (const [file, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.writeFile(path.join(root, file), text);
  }
  return root;
}

interface Setup {
  request: RenderRequest & { commit: string };
  /** A Renderer with an empty memory on the shared store, as a restarted or another controller has. */
  renderer: (options?: Partial<RedisRenderStoreOptions>) => Renderer;
  warnings: string[];
  prefix: string;
  redis: Awaited<ReturnType<typeof testRedis>>;
}

async function setUp(t: TestContext, files: Record<string, string>): Promise<Setup> {
  const redis = await testRedis(t);
  const prefix = uniqueName('berth-render-store');
  cleanUpPrefix(t, prefix);
  const helm = await helmBinary();
  const root = await writeTree(t, files);
  const workDir = await tempDir('berth-render-store-work-');
  t.after(() => fs.rm(workDir, { recursive: true, force: true }));
  const warnings: string[] = [];
  return {
    request: { tree: new LocalTree(root), commit: 'c0ffee', path: '.', appName: 'web', namespace: 'shop' },
    renderer: (options = {}) => new Renderer({
      helmBinary: helm, workDir,
      store: new RedisRenderStore(redis, { prefix: `${prefix}:render:`, warn: (_, message) => { warnings.push(message); }, ...options }),
    }),
    warnings, prefix, redis,
  };
}

const passwordOf = async (renderer: Renderer, request: RenderRequest): Promise<unknown> =>
  ((await renderer.render(request)).manifests[0]?.object.data as { password?: string } | undefined)?.password;

describe('the shared render store', () => {
  it('serves a chart with a random value as first rendered to every Renderer on it', async (t) => {
    const { request, renderer } = await setUp(t, chart);
    const first = await passwordOf(renderer(), request);
    assert.equal(typeof first, 'string');
    assert.equal(await passwordOf(renderer(), request), first, 'a restarted controller');
    assert.equal(await passwordOf(renderer(), request), first, 'another replica');
    // Another input is another render.
    assert.notEqual(await passwordOf(renderer(), { ...request, commit: 'beef' }), first);
    // Without the store, helm's randomness shows: a fresh Renderer renders another value.
    assert.notEqual(await passwordOf(new Renderer({ helmBinary: await helmBinary() }), request), first);
  });

  it('ignores a corrupt entry, renders again and replaces it', async (t) => {
    const { request, renderer, warnings, prefix, redis } = await setUp(t, chart);
    const name = `${prefix}:render:${renderKey(request, undefined)}`;
    await redis.set(name, 'not a render');
    const rendered = await passwordOf(renderer(), request);
    assert.equal(typeof rendered, 'string');
    assert.deepEqual(warnings, ['stored render ignored; rendering again']);
    assert.notEqual((await redis.getBuffer(name))?.toString(), 'not a render', 'the corrupt entry was replaced');
    assert.equal(await passwordOf(renderer(), request), rendered, 'the replacement is served');
    assert.ok(await redis.ttl(name) > 0, 'the entry expires');
  });

  it('keeps the first of two renders stored under one key, and gives it to the second writer', async (t) => {
    const { redis, prefix } = await setUp(t, {});
    const store = new RedisRenderStore(redis, { prefix: `${prefix}:render:`, warn: () => undefined });
    const secret = (password: string): StoredRender => ({ kind: 'helm', manifests: [{ object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'admin' }, data: { password } }, file: 't', line: 1 }] });
    assert.deepEqual(await store.put('k', secret('first')), secret('first'));
    assert.deepEqual(await store.put('k', secret('second')), secret('first'), 'a replica that rendered at the same time applies the first render');
    assert.deepEqual(await store.get('k'), secret('first'));
  });

  it('does not store plain YAML, nor a render over the size cap', async (t) => {
    const plain = await setUp(t, { 'config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n' });
    await plain.renderer().render(plain.request);
    assert.deepEqual(await plain.redis.keys(`${plain.prefix}:*`), []);

    const large = await setUp(t, chart);
    const first = await passwordOf(large.renderer({ maxStoredBytes: 64 }), large.request);
    assert.equal(typeof first, 'string');
    assert.deepEqual(await large.redis.keys(`${large.prefix}:*`), []);
    assert.match(large.warnings.join('\n'), /render too large to store/);
  });
});
