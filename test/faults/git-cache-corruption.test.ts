/**
 * A damaged on-disk Git cache: the pack files of a repository's cache deleted
 * or cut short (a full disk, a half-copied volume, someone cleaning /tmp).
 * The next reconcile must notice and fetch the repository again rather than
 * fail forever. Each case reads the commit as a reconcile does (resolve, fetch,
 * tree, read every file), at most twice: a first attempt may fail, with a
 * source error naming the repository; the second must read the right content.
 * Both a new GitSource (a restarted controller) and the same one (damage while
 * it runs, its in-memory object cache warm) are tried.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isSourceError } from '../../src/errors.ts';
import { GitSource } from '../../src/source/git-source.ts';
import { parseRepository, type Repository } from '../../src/source/repository.ts';
import { commitFiles, createRepository, startGitServer, tempDir, type GitServer } from '../harness/git-repositories.ts';

let root: string;
let server: GitServer;
let counter = 0;

before(async () => {
  root = await tempDir('git-cache-corruption');
  server = await startGitServer(root);
});
after(async () => {
  await server.close();
  await fs.rm(root, { recursive: true, force: true });
});

const files = {
  'apps/web/config.yaml': 'kind: ConfigMap\nmetadata: { name: web }\n',
  'apps/web/deploy.yaml': `kind: Deployment\nmetadata: { name: web }\n# ${'x'.repeat(2_000)}\n`,
  // Incompressible, so it fills the end of the pack: cutting that off leaves the commit and trees readable.
  'apps/web/z-bundle.txt': randomBytes(48 * 1024).toString('base64'),
};

/** What a reconcile does with a source; returns every file of the commit. */
async function readAsReconcile(source: GitSource, remote: Repository): Promise<Record<string, string>> {
  const revision = await source.resolveRevision(remote, 'main', { maxAgeMs: 0 });
  await source.fetch(remote, revision);
  const tree = await source.tree(remote, revision.commit);
  const out: Record<string, string> = {};
  for (const entry of await tree.list('apps', true)) {
    if (entry.type === 'file') out[entry.path] = (await tree.readFile(entry.path)).toString();
  }
  return out;
}

/** Up to two reconciles; the first may fail with a source error naming the repository. */
async function readWithinTwoAttempts(source: GitSource, remote: Repository): Promise<{ content: Record<string, string>; firstError: string | undefined }> {
  try {
    return { content: await readAsReconcile(source, remote), firstError: undefined };
  } catch (error) {
    assert.ok(isSourceError(error), `the first attempt failed with ${String(error)}, not a source error`);
    assert.ok(error.message.includes(remote.url), `the error does not name the repository: ${error.message}`);
    return { content: await readAsReconcile(source, remote), firstError: error.message };
  }
}

async function packFiles(cacheDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const store of await fs.readdir(cacheDir)) {
    const packDir = path.join(cacheDir, store, 'objects', 'pack');
    for (const file of await fs.readdir(packDir).catch(() => [])) if (file.endsWith('.pack')) found.push(path.join(packDir, file));
  }
  return found;
}

type Damage = (pack: string) => Promise<void>;
const damages: Record<string, Damage> = {
  'deleted pack files': (pack) => fs.rm(pack),
  'truncated pack files': async (pack) => {
    const size = (await fs.stat(pack)).size;
    await fs.truncate(pack, Math.floor(size / 2));
  },
  'the end of the pack files cut off': async (pack) => {
    const size = (await fs.stat(pack)).size;
    await fs.truncate(pack, size - 4_096);
  },
  'pack files overwritten with zeros': async (pack) => {
    const size = (await fs.stat(pack)).size;
    await fs.writeFile(pack, Buffer.alloc(size));
  },
};

describe('a damaged Git cache', () => {
  for (const restarted of [true, false]) {
    it(`with an older pack file deleted (the new commit readable, an unchanged file not), ${restarted ? 'after a restart' : 'while running'}: is fetched again on the next reconcile`, async (t) => {
      const name = `repo${++counter}`;
      const repository = await createRepository(root, name);
      await commitFiles(repository, files, 'first');
      const cacheDir = await tempDir('cache', root);
      const remote = parseRepository(server.url(name));
      const first = new GitSource({ cacheDir, refsMaxAgeMs: 0 });
      assert.deepEqual(await readAsReconcile(first, remote), files);
      const olderPacks = await packFiles(cacheDir);
      const changed = { ...files, 'apps/web/config.yaml': 'kind: ConfigMap\nmetadata: { name: web, labels: { v: "2" } }\n' };
      await commitFiles(repository, changed, 'second');
      assert.deepEqual(await readAsReconcile(first, remote), changed);
      assert.ok((await packFiles(cacheDir)).length > olderPacks.length, 'the second fetch added no pack');
      for (const pack of olderPacks) await fs.rm(pack);

      const source = restarted ? new GitSource({ cacheDir, refsMaxAgeMs: 0 }) : first;
      const { content, firstError } = await readWithinTwoAttempts(source, remote);
      assert.deepEqual(content, changed);
      t.diagnostic(firstError ? `first attempt: ${firstError}` : 'recovered within the first attempt');
      assert.deepEqual(await readAsReconcile(source, remote), changed);
    });
  }


  for (const [damage, apply] of Object.entries(damages)) {
    for (const restarted of [true, false]) {
      it(`with ${damage}, ${restarted ? 'after a restart' : 'while running'}: is fetched again on the next reconcile`, async (t) => {
        const name = `repo${++counter}`;
        const repository = await createRepository(root, name);
        await commitFiles(repository, files, 'first');
        const cacheDir = await tempDir('cache', root);
        const remote = parseRepository(server.url(name));
        const first = new GitSource({ cacheDir, refsMaxAgeMs: 0 });
        assert.deepEqual(await readAsReconcile(first, remote), files);

        const packs = await packFiles(cacheDir);
        assert.ok(packs.length > 0, 'the cache holds no pack file');
        for (const pack of packs) await apply(pack);

        const source = restarted ? new GitSource({ cacheDir, refsMaxAgeMs: 0 }) : first;
        const { content, firstError } = await readWithinTwoAttempts(source, remote);
        assert.deepEqual(content, files);
        t.diagnostic(firstError ? `first attempt: ${firstError}` : 'recovered within the first attempt');
        // And it stays healthy: a further reconcile reads it without fetching everything again.
        assert.deepEqual(await readAsReconcile(source, remote), files);
      });
    }
  }
});

describe('a cache that never held a commit', () => {
  it('fetches an older commit by id when asked for it (a rollback run by another replica or after a restart)', async () => {
    const name = `repo${++counter}`;
    const repository = await createRepository(root, name);
    const older = await commitFiles(repository, files, 'older');
    await commitFiles(repository, { 'apps/web/config.yaml': 'kind: ConfigMap\nmetadata: { name: web, labels: { v: "2" } }\n' }, 'newer');
    const remote = parseRepository(server.url(name));
    const source = new GitSource({ cacheDir: await tempDir('cache', root), refsMaxAgeMs: 0 });
    const outcome = await source.fetch(remote, { url: remote.url, targetRevision: older, kind: 'commit', ref: undefined, commit: older });
    assert.equal(outcome.commit, older);
    const tree = await source.tree(remote, older);
    assert.equal((await tree.readFile('apps/web/config.yaml')).toString(), files['apps/web/config.yaml']);
  });
});
