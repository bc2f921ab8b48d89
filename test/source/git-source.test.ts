/**
 * Git sources against real repositories served over smart HTTP on loopback:
 * revision resolution (branch, tag, SHA, semver range), no pack on an
 * unchanged poll, force pushes, deleted tags, unknown refs, changed paths,
 * authentication, limits, and a 5,000-file repository.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { InvalidSourceError, TransientSourceError } from '../../src/errors.ts';
import { GitSource } from '../../src/source/git-source.ts';
import { touchesAny } from '../../src/source/git-tree.ts';
import { parseRepository } from '../../src/source/repository.ts';
import { commitFiles, createRepository, git, startGitServer, tempDir, type GitServer } from '../harness/git-repositories.ts';

let root: string;
let server: GitServer;
let counter = 0;

before(async () => {
  root = await tempDir('git-source');
  server = await startGitServer(root);
});
after(async () => {
  await server.close();
  await fs.rm(root, { recursive: true, force: true });
});

async function setUp(files: Record<string, string> = { 'apps/a/cm.yaml': 'a: 1\n', 'apps/b/cm.yaml': 'b: 1\n' }) {
  const name = `repo${++counter}`;
  const repository = await createRepository(root, name);
  const first = await commitFiles(repository, files, 'first');
  const source = new GitSource({ cacheDir: await tempDir('cache', root), refsMaxAgeMs: 0 });
  return { repository, first, source, remote: parseRepository(server.url(name)) };
}

function packRequests(name: string): number {
  return server.requests.filter((request) => request.method === 'POST' && request.path.startsWith(`/${name}.git/`)).length;
}

describe('GitSource against a smart-HTTP server', () => {
  it('resolves a branch, fetches it and reads files without a checkout', async () => {
    const { repository, first, source, remote } = await setUp();
    const revision = await source.resolveRevision(remote, 'main');
    assert.equal(revision.commit, first);
    assert.equal(revision.ref, 'refs/heads/main');
    const outcome = await source.fetch(remote, revision);
    assert.deepEqual({ commit: outcome.commit, transferred: outcome.transferred, forced: outcome.forced }, { commit: first, transferred: true, forced: false });
    const tree = await source.tree(remote, first);
    assert.equal((await tree.readFile('apps/a/cm.yaml')).toString(), 'a: 1\n');
    assert.deepEqual((await tree.list('apps', true)).map((entry) => entry.path), ['apps/a', 'apps/a/cm.yaml', 'apps/b', 'apps/b/cm.yaml']);
    assert.equal(packRequests(repository.name), 1);
  });

  it('downloads no pack when polling an unchanged repository', async () => {
    const { repository, source, remote } = await setUp();
    await source.fetch(remote, await source.resolveRevision(remote, 'main'));
    const listingsBefore = server.requests.filter((request) => request.path.startsWith(`/${repository.name}.git/info/refs`)).length;
    const again = await source.fetch(remote, await source.resolveRevision(remote, 'main'));
    assert.equal(again.transferred, false);
    assert.equal(packRequests(repository.name), 1);
    assert.equal(server.requests.filter((request) => request.path.startsWith(`/${repository.name}.git/info/refs`)).length, listingsBefore + 1);
  });

  it('reports an unknown ref as RevisionNotFound, naming the repository and revision', async () => {
    const { source, remote } = await setUp();
    await assert.rejects(source.resolveRevision(remote, 'no-such-branch'), (error: unknown) => {
      assert.ok(error instanceof InvalidSourceError);
      assert.equal(error.reason, 'RevisionNotFound');
      assert.match(error.message, new RegExp(`^${remote.url}@no-such-branch: no branch or tag named no-such-branch`));
      return true;
    });
  });

  it('follows a fast-forward and flags a force push without failing', async () => {
    const { repository, first, source, remote } = await setUp();
    await source.fetch(remote, await source.resolveRevision(remote, 'main'));
    await commitFiles(repository, { 'apps/a/cm.yaml': 'a: 2\n' }, 'second');
    const third = await commitFiles(repository, { 'apps/a/cm.yaml': 'a: 3\n' }, 'third');
    const forward = await source.fetch(remote, await source.resolveRevision(remote, 'main'));
    assert.deepEqual({ commit: forward.commit, previous: forward.previousCommit, forced: forward.forced }, { commit: third, previous: first, forced: false });

    await git(repository.work, 'reset', '-q', '--hard', first);
    const rewritten = await commitFiles(repository, { 'apps/b/cm.yaml': 'b: rewritten\n' }, 'rewritten history');
    const forced = await source.fetch(remote, await source.resolveRevision(remote, 'main'));
    assert.deepEqual({ commit: forced.commit, previous: forced.previousCommit, forced: forced.forced }, { commit: rewritten, previous: third, forced: true });
    assert.equal((await (await source.tree(remote, rewritten)).readFile('apps/b/cm.yaml')).toString(), 'b: rewritten\n');
    assert.deepEqual(await source.changedPaths(remote, third, rewritten), ['apps/a/cm.yaml', 'apps/b/cm.yaml']);
  });

  it('resolves tags, and says so when a tag it fetched was deleted', async () => {
    const { repository, first, source, remote } = await setUp();
    await git(repository.work, 'tag', '-a', 'release-1', '-m', 'annotated');
    await git(repository.work, 'push', '-q', 'origin', 'refs/tags/release-1');
    const revision = await source.resolveRevision(remote, 'release-1');
    assert.deepEqual({ kind: revision.kind, commit: revision.commit, tag: revision.tag }, { kind: 'tag', commit: first, tag: 'release-1' });
    assert.equal((await source.fetch(remote, revision)).commit, first);

    await git(repository.work, 'push', '-q', 'origin', ':refs/tags/release-1');
    await assert.rejects(source.resolveRevision(remote, 'release-1'), (error: unknown) => {
      assert.ok(error instanceof InvalidSourceError);
      assert.equal(error.reason, 'RevisionNotFound');
      assert.match(error.message, /release-1: no branch or tag named release-1 \(the tag pointed at [0-9a-f]{12} and was deleted\)/);
      return true;
    });
  });

  it('moves a semver range to the highest matching tag when a new tag appears', async () => {
    const { repository, source, remote } = await setUp();
    const tag = async (name: string, content: string): Promise<string> => {
      const commit = await commitFiles(repository, { 'apps/a/cm.yaml': content }, name);
      await git(repository.work, 'tag', name);
      await git(repository.work, 'push', '-q', 'origin', `refs/tags/${name}`);
      return commit;
    };
    await tag('v1.0.0', 'a: 10\n');
    const v110 = await tag('v1.1.0', 'a: 11\n');
    await tag('v2.0.0', 'a: 20\n');
    const before = await source.resolveRevision(remote, '^1.0.0');
    assert.deepEqual({ tag: before.tag, commit: before.commit, kind: before.kind }, { tag: 'v1.1.0', commit: v110, kind: 'semver' });
    assert.equal((await source.fetch(remote, before)).commit, v110);

    const v120 = await tag('v1.2.0', 'a: 12\n');
    const moved = await source.resolveRevision(remote, '^1.0.0');
    assert.deepEqual({ tag: moved.tag, commit: moved.commit }, { tag: 'v1.2.0', commit: v120 });
    const fetched = await source.fetch(remote, moved);
    assert.equal(fetched.commit, v120);
    assert.equal((await (await source.tree(remote, v120)).readFile('apps/a/cm.yaml')).toString(), 'a: 12\n');
    await assert.rejects(source.resolveRevision(remote, '^3'), /no tag matches the semver range \^3/);
  });

  it('resolves full and abbreviated commit ids that no ref points at', async () => {
    const { repository, first, source, remote } = await setUp();
    await commitFiles(repository, { 'apps/a/cm.yaml': 'a: later\n' }, 'later');
    const full = await source.resolveRevision(remote, first);
    assert.deepEqual({ kind: full.kind, commit: full.commit }, { kind: 'commit', commit: first });
    const short = await source.resolveRevision(remote, first.slice(0, 8));
    assert.equal(short.commit, first);
    assert.equal((await source.fetch(remote, short)).commit, first);
    await assert.rejects(source.resolveRevision(remote, 'deadbeef'), /no branch, tag or commit/);
  });

  it('lists the paths a commit changed, so only Applications it touched reconcile', async () => {
    const { repository, first, source, remote } = await setUp({ 'apps/a/cm.yaml': 'a\n', 'apps/a/deep/x.yaml': 'x\n', 'apps/b/cm.yaml': 'b\n', 'README.md': 'r\n' });
    await source.fetch(remote, await source.resolveRevision(remote, 'main'));
    const second = await commitFiles(repository, { 'apps/a/deep/x.yaml': 'x2\n', 'apps/a/new.yaml': 'n\n', 'README.md': null }, 'touch a');
    await source.fetch(remote, await source.resolveRevision(remote, 'main'));
    const changed = await source.changedPaths(remote, first, second);
    assert.deepEqual(changed, ['README.md', 'apps/a/deep/x.yaml', 'apps/a/new.yaml']);
    assert.ok(changed);
    assert.equal(touchesAny(changed, ['apps/a']), true);
    assert.equal(touchesAny(changed, ['apps/b']), false);
    assert.equal(touchesAny(changed, ['apps/a/deep']), true);
    assert.equal(touchesAny(changed, ['apps/aa']), false);
    assert.equal(touchesAny(changed, ['.']), true);
    assert.equal(await source.changedPaths(remote, first, 'f'.repeat(40)), undefined);
  });

  it('shares one fetch among concurrent callers of the same commit', async () => {
    const { repository, source, remote } = await setUp();
    const revision = await source.resolveRevision(remote, 'main');
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => source.fetch(remote, revision)));
    assert.ok(outcomes.every((outcome) => outcome.commit === revision.commit));
    assert.equal(packRequests(repository.name), 1);
  });

  it('stops a fetch that brings more than the size limit', async () => {
    // Random bytes do not compress: the pack is about as large as the file.
    const { remote } = await setUp({ 'big.yaml': randomBytes(100_000).toString('hex') });
    const small = new GitSource({ cacheDir: await tempDir('cache', root), maxFetchBytes: 20_000 });
    await assert.rejects(small.fetch(remote, await small.resolveRevision(remote, 'main')), (error: unknown) => {
      assert.ok(error instanceof InvalidSourceError);
      assert.equal(error.reason, 'FetchTooLarge');
      assert.match(error.message, /more than 20000 bytes/);
      return true;
    });
  });

  it('gives up on a server that does not answer within the timeout', async () => {
    const silent = http.createServer(() => { /* never answers */ });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const source = new GitSource({ cacheDir: await tempDir('cache', root), requestTimeoutMs: 300 });
      const remote = parseRepository(`http://127.0.0.1:${port}/silent.git`);
      await assert.rejects(source.resolveRevision(remote, 'main'), (error: unknown) => {
        assert.ok(error instanceof TransientSourceError);
        assert.equal(error.reason, 'Timeout');
        assert.match(error.message, /^http:\/\/127\.0\.0\.1:\d+\/silent\.git: no answer within 300 ms/);
        return true;
      });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('a repository of 5,000 files', () => {
  it('fetches it, then fetches one changed file cheaply and finds only that path changed', async () => {
    const repository = await createRepository(root, 'large');
    const files: Record<string, string> = {};
    for (let i = 0; i < 5000; i++) files[`apps/app-${i % 50}/cm-${i}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}}\ndata: {i: "${i}"}\n`;
    const first = await commitFiles(repository, files, 'five thousand files');
    const source = new GitSource({ cacheDir: await tempDir('cache', root), refsMaxAgeMs: 0 });
    const remote = parseRepository(server.url('large'));
    const cold = await source.fetch(remote, await source.resolveRevision(remote, 'main'));
    assert.equal(cold.commit, first);
    const entries = await (await source.tree(remote, first)).list('', true);
    assert.equal(entries.filter((entry) => entry.type === 'file').length, 5000);

    const second = await commitFiles(repository, { 'apps/app-7/cm-7.yaml': 'changed: true\n' }, 'one file');
    const warm = await source.fetch(remote, await source.resolveRevision(remote, 'main'));
    const changed = await source.changedPaths(remote, first, second);
    assert.equal(warm.commit, second);
    assert.equal(warm.forced, false);
    // Only the new commit and the objects it changed travel, not the 5,000 files again.
    assert.ok(warm.bytes * 20 < cold.bytes, `warm fetch ${warm.bytes} bytes, cold ${cold.bytes} bytes`);
    // How long this takes is bench/fetch.ts's row "Git fetch, after one new commit".
    assert.deepEqual(changed, ['apps/app-7/cm-7.yaml']);
  });
});
