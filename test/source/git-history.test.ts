/**
 * GitSource.sharesHistory against a real smart-HTTP server and a shallow
 * cache: a fast-forward is decided from the cache, a force push that rewrote
 * the last commit shares an ancestor, an orphan history shares none, and a
 * deployed commit whose history is gone from the server is "unknown".
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { GitSource } from '../../src/source/git-source.ts';
import { parseRepository } from '../../src/source/repository.ts';
import { commitFiles, createRepository, git, startGitServer, tempDir, type GitServer, type TestRepository } from '../harness/git-repositories.ts';

let root: string;
let server: GitServer;
let counter = 0;

before(async () => {
  root = await tempDir('git-history');
  server = await startGitServer(root);
});
after(async () => {
  await server.close();
  await fs.rm(root, { recursive: true, force: true });
});

async function setUp() {
  const name = `repo${++counter}`;
  const repository = await createRepository(root, name);
  const source = new GitSource({ cacheDir: await tempDir('cache', root), refsMaxAgeMs: 0 });
  const remote = parseRepository(server.url(name));
  /** Fetches main as the controller does (shallow) and returns its commit. */
  const deploy = async (): Promise<string> => (await source.fetch(remote, await source.resolveRevision(remote, 'main'))).commit;
  return { repository, source, remote, deploy };
}

function packRequests(repository: TestRepository): number {
  return server.requests.filter((request) => request.method === 'POST' && request.path.startsWith(`/${repository.name}.git/`)).length;
}

async function pushOrphan(repository: TestRepository): Promise<string> {
  await git(repository.work, 'checkout', '-q', '--orphan', `orphan${++counter}`);
  await git(repository.work, 'rm', '-q', '-rf', '.');
  return commitFiles(repository, { 'apps/a/cm.yaml': 'a: orphan\n' }, 'unrelated history');
}

describe('GitSource.sharesHistory', () => {
  it('decides a fast-forward from the cache, without asking the server', async () => {
    const { repository, source, remote, deploy } = await setUp();
    await commitFiles(repository, { 'apps/a/cm.yaml': 'a: 1\n' }, 'first');
    const deployed = await deploy();
    await commitFiles(repository, { 'apps/a/cm.yaml': 'a: 2\n' }, 'second');
    const next = await deploy();
    const requests = packRequests(repository);
    assert.equal(await source.sharesHistory(remote, deployed, next), true);
    assert.equal(await source.sharesHistory(remote, next, next), true);
    assert.equal(packRequests(repository), requests);
  });

  it('finds the common ancestor of an amended last commit, though the cache held only the tip', async () => {
    const { repository, source, remote, deploy } = await setUp();
    await commitFiles(repository, { 'apps/a/cm.yaml': 'a: 1\n' }, 'first');
    await commitFiles(repository, { 'apps/a/cm.yaml': 'a: 2\n' }, 'second');
    const deployed = await deploy();
    await git(repository.work, 'commit', '-q', '--amend', '-m', 'second, amended');
    await git(repository.work, 'push', '-q', '--force', 'origin', 'HEAD:refs/heads/main');
    const amended = await deploy();
    assert.notEqual(amended, deployed);
    assert.equal(await source.sharesHistory(remote, deployed, amended), true);
  });

  it('says an orphan history shares nothing with the deployed commit, and asks the server once', async () => {
    const { repository, source, remote, deploy } = await setUp();
    // Two commits: the cache holds only the second, whose history must be fetched too.
    await commitFiles(repository, { 'apps/a/cm.yaml': 'a: 1\n' }, 'first');
    await commitFiles(repository, { 'apps/a/cm.yaml': 'a: 2\n' }, 'second');
    const deployed = await deploy();
    const orphan = await pushOrphan(repository);
    assert.equal(await deploy(), orphan);
    assert.equal(await source.sharesHistory(remote, deployed, orphan), false);
    const requests = packRequests(repository);
    assert.equal(await source.sharesHistory(remote, orphan, deployed), false);
    assert.equal(packRequests(repository), requests, 'the answer was not remembered');
  });

  it('answers unknown when the deployed commit\'s history is gone from the server (collected)', async () => {
    const { repository, source, remote, deploy } = await setUp();
    await commitFiles(repository, { 'apps/a/cm.yaml': 'a: 1\n' }, 'first');
    await commitFiles(repository, { 'apps/a/cm.yaml': 'a: 2\n' }, 'second');
    const deployed = await deploy();
    const orphan = await pushOrphan(repository);
    await deploy();
    // Until a gc, the server still holds (and sends) the history of the commit it was told was shallow.
    await git(repository.bare, 'reflog', 'expire', '--expire=now', '--all');
    await git(repository.bare, 'gc', '-q', '--prune=now');
    assert.equal(await source.sharesHistory(remote, deployed, orphan), undefined);
  });

  it('answers unknown when a walk reaches its limit', async () => {
    const { repository, source, remote, deploy } = await setUp();
    for (let i = 0; i < 4; i++) await commitFiles(repository, { 'apps/a/cm.yaml': `a: ${i}\n` }, `commit ${i}`);
    const deployed = await deploy();
    const orphan = await pushOrphan(repository);
    await deploy();
    assert.equal(await source.sharesHistory(remote, deployed, orphan, 2), undefined);
  });
});

describe('a commit no ref names, in a shallow cache', () => {
  // A controller that took over a rollback had fetched the branch tip (shallow)
  // for its drift check first; the plain fetch of everything kept the shallow
  // boundary, so the last healthy commit behind it never arrived.
  it('is fetched past the shallow boundary: a rollback on a replica that only fetched the tip', async () => {
    const { repository, source, remote, deploy } = await setUp();
    const healthy = await commitFiles(repository, { 'apps/a/cm.yaml': 'a: 1\n' }, 'healthy');
    await commitFiles(repository, { 'apps/a/cm.yaml': 'a: 2\n' }, 'failed');
    await deploy();
    // As a rollback renders it: the commit itself, no ref (src/controller/render-revision.ts).
    const fetched = await source.fetch(remote, { url: remote.url, targetRevision: healthy, kind: 'commit', ref: undefined, commit: healthy });
    assert.equal(fetched.commit, healthy);
  });
});
