/**
 * ObjectSizes against repositories written by git itself: loose objects, packed
 * objects, and deltas (whose size is the object they build), each told from
 * headers and checked against `git cat-file -s`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ObjectSizes } from '../../src/source/object-size.ts';
import { commitFiles, createRepository, git, tempDir, type TestRepository } from '../harness/git-repositories.ts';

let root: string;
let repository: TestRepository;
const base = randomBytes(256 * 1024).toString('hex');

before(async () => {
  root = await tempDir('object-size');
  repository = await createRepository(root, 'sizes');
  await commitFiles(repository, { 'data/a.txt': base, 'small.txt': 'hello\n' }, 'first');
  // A second version that differs by a line: packed, git stores one of the two as a delta of the other.
  await commitFiles(repository, { 'data/a.txt': `${base}\nmore\n` }, 'second');
});
after(async () => { await fs.rm(root, { recursive: true, force: true }); });

async function blobIds(gitdir: string): Promise<string[]> {
  const listed = await git(gitdir, 'rev-list', '--objects', '--all');
  const ids: string[] = [];
  for (const line of listed.split('\n')) {
    const id = line.split(' ')[0] ?? '';
    if (await git(gitdir, 'cat-file', '-t', id) === 'blob') ids.push(id);
  }
  return ids;
}

describe('ObjectSizes', () => {
  it('tells the size of loose objects', async () => {
    const gitdir = path.join(repository.work, '.git');
    const sizes = new ObjectSizes(gitdir);
    const ids = await blobIds(gitdir);
    assert.equal(ids.length, 3);
    for (const id of ids) assert.equal(await sizes.sizeOf(id), Number(await git(gitdir, 'cat-file', '-s', id)));
  });

  it('tells the size of packed objects and deltas, and nothing for an object it does not hold', async () => {
    await git(repository.bare, 'repack', '-adf', '-q');
    const packed = await git(repository.bare, 'verify-pack', '-v', ...(await fs.readdir(path.join(repository.bare, 'objects/pack'))).filter((file) => file.endsWith('.idx')).map((file) => `objects/pack/${file}`));
    assert.match(packed, /chain length = 1/, 'git stored a delta');
    const sizes = new ObjectSizes(repository.bare);
    for (const id of await blobIds(repository.bare)) assert.equal(await sizes.sizeOf(id), Number(await git(repository.bare, 'cat-file', '-s', id)));
    assert.equal(await sizes.sizeOf('0123456789abcdef0123456789abcdef01234567'), undefined);
  });
});
