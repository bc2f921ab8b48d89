/**
 * source.verify on a resolved revision, through the narrow reader (objects
 * from a real repository made here with git and ssh-keygen): each mode
 * against signed and unsigned commits and tags, and the keys of a Secret.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { InvalidSourceError } from '../errors.ts';
import type { ResolvedRevision } from './git-source.ts';
import type { TrustedKeys } from './verify-commit.ts';
import { trustedKeysFromSecret } from './verify-keys.ts';
import { verifyRevision, type SignedObjectReader, type VerifyMode } from './verify-revision.ts';

const run = promisify(execFile);
let repo = '';
let keys: TrustedKeys;
const commits: Record<string, string> = {};
const tags: Record<string, string> = {};

async function git(...args: string[]): Promise<string> {
  return (await run('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', ...args], { cwd: repo })).stdout.trim();
}

before(async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-verify-revision-'));
  repo = path.join(dir, 'repo');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dev', '-f', path.join(dir, 'key')]);
  const pub = (await fs.readFile(path.join(dir, 'key.pub'), 'utf8')).trim();
  keys = await trustedKeysFromSecret('team/keys', { allowed_signers: `dev@example.com ${pub}\n` });
  await run('git', ['init', '-q', '-b', 'main', repo]);
  const signing = ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${path.join(dir, 'key.pub')}`];
  await git(...signing, 'commit', '-q', '--allow-empty', '-S', '-m', 'signed');
  commits.signed = await git('rev-parse', 'HEAD');
  await git(...signing, 'tag', '-s', 'v1.0.0', '-m', 'signed tag');
  await git('tag', '-a', 'v1.0.1', '-m', 'unsigned tag');
  await git('tag', 'v1.0.2');
  await git('commit', '-q', '--allow-empty', '-m', 'unsigned');
  commits.unsigned = await git('rev-parse', 'HEAD');
  await git(...signing, 'tag', '-s', 'v2.0.0', '-m', 'signed tag of an unsigned commit');
  for (const tag of ['v1.0.0', 'v1.0.1', 'v1.0.2', 'v2.0.0']) tags[tag] = await git('rev-parse', `refs/tags/${tag}`);
});

const reader: SignedObjectReader = {
  fetch: async () => { /* the objects are in the repository already */ },
  async rawObject(oid) {
    const type = await git('cat-file', '-t', oid).catch(() => undefined);
    if (type === undefined) return undefined;
    const { stdout } = await run('git', ['cat-file', type, oid], { cwd: repo, encoding: 'buffer' });
    return { type, bytes: stdout };
  },
  tagObjectId: (name) => Promise.resolve(tags[name]),
  rawTag(_name, oid) { return this.rawObject(oid); },
};

function revision(commit: string | undefined, tag?: string): ResolvedRevision {
  return {
    url: 'https://git.example.com/team/deploy.git', targetRevision: tag ?? 'main', kind: tag ? 'tag' : 'branch',
    ref: tag ? `refs/tags/${tag}` : 'refs/heads/main', commit: commit ?? '', ...(tag ? { tag } : {}),
  };
}

const rows: readonly { name: string; mode: VerifyMode; commit: string; tag?: string; refused?: RegExp }[] = [
  { name: 'a signed commit, HEAD', mode: 'HEAD', commit: 'signed' },
  { name: 'an unsigned commit, HEAD', mode: 'HEAD', commit: 'unsigned', refused: /^source\.verify: commit [0-9a-f]{40} is not signed; nothing is applied or pruned/ },
  { name: 'a signed tag, Tag', mode: 'Tag', commit: 'signed', tag: 'v1.0.0' },
  { name: 'a signed tag of a signed commit, TagAndHEAD', mode: 'TagAndHEAD', commit: 'signed', tag: 'v1.0.0' },
  { name: 'a signed tag of an unsigned commit, Tag', mode: 'Tag', commit: 'unsigned', tag: 'v2.0.0' },
  { name: 'a signed tag of an unsigned commit, TagAndHEAD', mode: 'TagAndHEAD', commit: 'unsigned', tag: 'v2.0.0', refused: /commit [0-9a-f]{40} is not signed/ },
  { name: 'an unsigned annotated tag, Tag', mode: 'Tag', commit: 'signed', tag: 'v1.0.1', refused: /tag v1\.0\.1 \(commit [0-9a-f]{40}\) is not signed/ },
  { name: 'a lightweight tag, Tag', mode: 'Tag', commit: 'signed', tag: 'v1.0.2', refused: /lightweight tag, which cannot be signed/ },
  { name: 'a branch, Tag', mode: 'Tag', commit: 'signed', refused: /needs a tag, but targetRevision "main" resolved to a branch/ },
  // A signed tag vouches for the commit it names, not for another one a ref might be moved to.
  { name: 'a signed tag naming another commit, Tag', mode: 'Tag', commit: 'unsigned', tag: 'v1.0.0', refused: /the tag names [0-9a-f]{40}, not the commit deployed/ },
];

describe('verifyRevision', () => {
  for (const row of rows) {
    it(`${row.refused ? 'refuses' : 'trusts'} ${row.name}`, async () => {
      const verifying = verifyRevision(revision(commits[row.commit], row.tag), row.mode, keys, reader);
      if (!row.refused) {
        const verified = await verifying;
        assert.ok(verified.signers.length >= 1 && verified.signers.every((signer) => /dev@example\.com SHA256:/.test(signer)), verified.signers.join('; '));
        return;
      }
      await assert.rejects(verifying, (error: unknown) => {
        assert.ok(error instanceof InvalidSourceError, String(error));
        assert.equal(error.reason, 'VerificationFailed');
        assert.match(error.message, row.refused ?? /never/);
        return true;
      });
    });
  }
});

describe('the keys of a verify Secret', () => {
  it('reads OpenPGP keys and allowed_signers, and refuses a Secret without keys naming it', async () => {
    await assert.rejects(trustedKeysFromSecret('team/keys', {}), /^InvalidSourceError: Secret team\/keys \(source\.verify\) holds no keys/);
    await assert.rejects(trustedKeysFromSecret('team/keys', { 'dev.asc': 'not a key' }), /Secret team\/keys key dev\.asc: not an OpenPGP public key/);
    await assert.rejects(trustedKeysFromSecret('team/keys', { allowed_signers: '# nobody yet\n' }), /holds no keys/);
  });
});
