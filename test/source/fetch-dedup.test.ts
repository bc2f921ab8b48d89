/**
 * One question to the Git server per change, however many callers and
 * replicas ask: two GitSource instances (two controller replicas, each with its
 * own disk cache) share a real Redis through RedisFetchCoordinator.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { redisUrl, uniqueName } from '../harness/env.ts';
import { GitSource } from '../../src/source/git-source.ts';
import { RedisFetchCoordinator } from '../../src/source/redis-fetch-coordinator.ts';
import { parseRepository } from '../../src/source/repository.ts';
import { commitFiles, createRepository, startGitServer, tempDir, type GitServer } from '../harness/git-repositories.ts';

let root: string;
let server: GitServer;
let redis: Redis;

before(async () => {
  root = await tempDir('dedup');
  server = await startGitServer(root);
  redis = new Redis(redisUrl(), { lazyConnect: true });
  await redis.connect();
});
after(async () => {
  await server.close();
  redis.disconnect();
  await fs.rm(root, { recursive: true, force: true });
});

function listings(name: string): number {
  return server.requests.filter((request) => request.method === 'GET' && request.path === `/${name}.git/info/refs`).length;
}

describe('fetch de-duplication across replicas', () => {
  it('lists the refs once for many concurrent resolutions on two replicas', async () => {
    const repository = await createRepository(root, 'shared');
    const head = await commitFiles(repository, { 'a.yaml': 'a: 1\n' });
    const prefix = `${uniqueName('berth-test')}:`;
    const replicas = await Promise.all([0, 1].map(async () => new GitSource({
      cacheDir: await tempDir('replica', root),
      coordinator: new RedisFetchCoordinator(redis, prefix),
      refsMaxAgeMs: 30_000,
    })));
    const remote = parseRepository(server.url('shared'));
    const [first, second] = replicas;
    assert.ok(first && second);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? first : second).resolveRevision(remote, 'main')));
    assert.ok(results.every((result) => result.commit === head));
    assert.equal(listings('shared'), 1);

    // A newer commit is seen only once the record is older than the caller accepts (a webhook asks with 0).
    const next = await commitFiles(repository, { 'a.yaml': 'a: 2\n' });
    assert.equal((await second.resolveRevision(remote, 'main')).commit, head);
    assert.equal((await second.resolveRevision(remote, 'main', { maxAgeMs: 0 })).commit, next);
    assert.equal((await first.resolveRevision(remote, 'main')).commit, next);
    assert.equal(listings('shared'), 2);
    const keys = await redis.keys(`${prefix}*`);
    assert.ok(keys.length > 0);
    assert.ok(keys.every((key) => !key.includes('127.0.0.1')), 'Redis keys hold no URL');
  });

  it('lets one replica at a time hold a lock, and only the holder release it', async () => {
    const coordinator = new RedisFetchCoordinator(redis, `${uniqueName('berth-test')}:`);
    const release = await coordinator.tryLock('repo', 5_000);
    assert.ok(release);
    assert.equal(await coordinator.tryLock('repo', 5_000), undefined);
    await release();
    const again = await coordinator.tryLock('repo', 5_000);
    assert.ok(again);
    await again();
  });
});
