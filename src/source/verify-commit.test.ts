/**
 * source.verify's decision as a table: commits and tags signed in the test with
 * openpgp and with `ssh-keygen -Y sign` on generated keys (ed25519, ECDSA
 * P-256/384/521, RSA), and one signed by git itself, each trusted, unknown,
 * tampered or unsigned.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import * as openpgp from 'openpgp';
import { verifyCommit, verifyTag, type TrustedKeys, type Verdict } from './verify-commit.ts';
import { readOpenPgpKeys } from './verify-openpgp.ts';
import { parseAllowedSigners, sshFingerprint } from './verify-ssh.ts';
import { signedCommit } from './verify-objects.ts';

const run = promisify(execFile);
const when = 1796200000;
const person = `Dev <dev@example.com> ${when} +0000`;
const unsignedCommit = (message = 'deploy v2\n'): string => `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor ${person}\ncommitter ${person}\n\n${message}`;

/** A commit object with `signature` as its gpgsig header, where git puts it (after committer). */
function withSignature(commit: string, signature: string): Buffer {
  const [headers, ...message] = commit.split('\n\n');
  const indented = signature.trimEnd().split('\n').join('\n ');
  return Buffer.from(`${headers ?? ''}\ngpgsig ${indented}\n\n${message.join('\n\n')}`);
}

async function pgpKey(email: string): Promise<{ privateKey: openpgp.PrivateKey; publicKey: openpgp.PublicKey; armored: string }> {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Dev', email }], format: 'object' });
  return { privateKey, publicKey, armored: publicKey.armor() };
}

async function pgpSign(payload: string, key: openpgp.PrivateKey): Promise<string> {
  const message = await openpgp.createMessage({ binary: new Uint8Array(Buffer.from(payload)) });
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- openpgp's sign overloads resolve to an error type for typescript-eslint (its stream typings); with format 'armored' the value is the armored string
  const signature: string = await openpgp.sign({ message, signingKeys: key, detached: true, format: 'armored' });
  return signature;
}

let dir = '';
interface SshKey { file: string; pub: string; blob: Buffer }
const ssh: Record<string, SshKey> = {};

async function sshKey(name: string, type: string, bits?: number): Promise<SshKey> {
  const file = path.join(dir, name);
  await run('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', `${name}@example.com`, '-f', file]);
  const pub = (await fs.readFile(`${file}.pub`, 'utf8')).trim();
  return { file, pub, blob: Buffer.from(pub.split(' ')[1] ?? '', 'base64') };
}

async function sshSign(payload: string, key: SshKey, namespace = 'git'): Promise<string> {
  const file = path.join(dir, `payload-${Math.random().toString(36).slice(2)}`);
  await fs.writeFile(file, payload);
  await run('ssh-keygen', ['-Y', 'sign', '-n', namespace, '-f', key.file, file]);
  return fs.readFile(`${file}.sig`, 'utf8');
}

const allowed = (key: SshKey, options = ''): string => `dev@example.com ${options ? `${options} ` : ''}${key.pub.split(' ').slice(0, 2).join(' ')}`;

let trusted: Awaited<ReturnType<typeof pgpKey>>;
let stranger: Awaited<ReturnType<typeof pgpKey>>;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-verify-'));
  [trusted, stranger] = await Promise.all([pgpKey('dev@example.com'), pgpKey('eve@example.com')]);
  const made = await Promise.all([
    sshKey('ed25519', 'ed25519'), sshKey('p256', 'ecdsa', 256), sshKey('p384', 'ecdsa', 384), sshKey('p521', 'ecdsa', 521),
    sshKey('rsa', 'rsa', 3072), sshKey('other', 'ed25519'),
  ]);
  for (const key of made) ssh[path.basename(key.file)] = key;
});

function keys(sshLines: readonly string[] = []): Promise<TrustedKeys> {
  return readOpenPgpKeys(trusted.armored, 'Secret team/keys key dev.asc').then((openpgpKeys) => ({
    openpgp: openpgpKeys, ssh: parseAllowedSigners(sshLines.join('\n'), 'Secret team/keys key allowed_signers'),
  }));
}

function sshKeyOf(name: string): SshKey {
  const key = ssh[name];
  if (!key) throw new Error(`no key ${name}`);
  return key;
}

async function expectVerdict(verdict: Promise<Verdict>, expected: { trusted: true; signer: RegExp } | { trusted: false; reason: string; message: RegExp }): Promise<void> {
  const got = await verdict;
  assert.equal(got.trusted, expected.trusted, JSON.stringify(got));
  if (got.trusted && expected.trusted) assert.match(got.signer, expected.signer);
  if (!got.trusted && !expected.trusted) {
    assert.equal(got.reason, expected.reason, got.message);
    assert.match(got.message, expected.message);
  }
}

describe('signed commits (source.verify)', () => {
  it('trusts an OpenPGP signature by a listed key, naming its fingerprint', async () => {
    const commit = unsignedCommit();
    const raw = withSignature(commit, await pgpSign(commit, trusted.privateKey));
    await expectVerdict(verifyCommit(raw, await keys(), 'commit 3f2c'), { trusted: true, signer: new RegExp(`^${trusted.publicKey.getFingerprint().toUpperCase()}$`) });
  });

  it('refuses an OpenPGP signature by a key the Secret does not list, naming the key', async () => {
    const commit = unsignedCommit();
    const raw = withSignature(commit, await pgpSign(commit, stranger.privateKey));
    await expectVerdict(verifyCommit(raw, await keys(), 'commit 3f2c'), {
      trusted: false, reason: 'UnknownKey', message: new RegExp(`^commit 3f2c is signed by unknown OpenPGP key ${stranger.publicKey.getFingerprint().toUpperCase()}$`),
    });
  });

  it('refuses a commit changed after it was signed (bad signature)', async () => {
    const signature = await pgpSign(unsignedCommit(), trusted.privateKey);
    const raw = withSignature(unsignedCommit('deploy v2, now with a miner\n'), signature);
    await expectVerdict(verifyCommit(raw, await keys(), 'commit 3f2c'), { trusted: false, reason: 'BadSignature', message: /^commit 3f2c has a bad OpenPGP signature from key [0-9A-F]{40}/ });
  });

  it('refuses an unsigned commit', async () => {
    await expectVerdict(verifyCommit(Buffer.from(unsignedCommit()), await keys(), 'commit 3f2c'), { trusted: false, reason: 'Unsigned', message: /^commit 3f2c is not signed$/ });
  });

  for (const name of ['ed25519', 'p256', 'p384', 'p521', 'rsa']) {
    it(`trusts an SSH signature (${name}) by a key in allowed_signers`, async () => {
      const key = sshKeyOf(name);
      const commit = unsignedCommit();
      const raw = withSignature(commit, await sshSign(commit, key));
      await expectVerdict(verifyCommit(raw, await keys([allowed(key)]), 'commit 3f2c'), { trusted: true, signer: new RegExp(`^dev@example.com ${sshFingerprint(key.blob).replace(/[+/]/g, '\\$&')}$`) });
      const tampered = withSignature(unsignedCommit('deploy v3\n'), await sshSign(commit, key));
      await expectVerdict(verifyCommit(tampered, await keys([allowed(key)]), 'commit 3f2c'), { trusted: false, reason: 'BadSignature', message: /bad SSH signature from key SHA256:/ });
    });
  }

  it('refuses an SSH signature by a key not in allowed_signers, naming its fingerprint', async () => {
    const commit = unsignedCommit();
    const raw = withSignature(commit, await sshSign(commit, sshKeyOf('other')));
    const fingerprint = sshFingerprint(sshKeyOf('other').blob);
    assert.equal(fingerprint, (await run('ssh-keygen', ['-l', '-f', `${sshKeyOf('other').file}.pub`])).stdout.split(' ')[1]);
    await expectVerdict(verifyCommit(raw, await keys([allowed(sshKeyOf('ed25519'))]), 'commit 3f2c'), {
      trusted: false, reason: 'UnknownKey', message: new RegExp(`^commit 3f2c is signed by unknown SSH key ${fingerprint.replace(/[+/]/g, '\\$&')}$`),
    });
  });

  it('refuses an SSH signature made for another namespace, or outside what its allowed_signers line allows', async () => {
    const key = sshKeyOf('ed25519');
    const commit = unsignedCommit();
    const fileSignature = withSignature(commit, await sshSign(commit, key, 'file'));
    await expectVerdict(verifyCommit(fileSignature, await keys([allowed(key)]), 'commit 3f2c'), { trusted: false, reason: 'BadSignature', message: /namespace "file", not git/ });
    const gitSignature = withSignature(commit, await sshSign(commit, key));
    await expectVerdict(verifyCommit(gitSignature, await keys([allowed(key, 'namespaces="file"')]), 'c'), { trusted: false, reason: 'BadSignature', message: /does not allow/ });
    // The commit was made in 2026; a key valid only before 2020 did not sign it.
    await expectVerdict(verifyCommit(gitSignature, await keys([allowed(key, 'valid-before="20200101"')]), 'c'), { trusted: false, reason: 'BadSignature', message: /does not allow/ });
    await expectVerdict(verifyCommit(gitSignature, await keys([allowed(key, 'namespaces="git",valid-after="20200101"')]), 'c'), { trusted: true, signer: /SHA256:/ });
  });

  it('does not let a second gpgsig header replace the signature (it stays in the payload)', async () => {
    const key = sshKeyOf('ed25519');
    const commit = unsignedCommit();
    const good = withSignature(commit, await sshSign(commit, key)).toString('utf8');
    const forged = good.replace('\n\n', `\ngpgsig ${(await sshSign(unsignedCommit('other\n'), key)).trimEnd().split('\n').join('\n ')}\n\n`);
    await expectVerdict(verifyCommit(Buffer.from(forged), await keys([allowed(key)]), 'c'), { trusted: false, reason: 'BadSignature', message: /bad SSH signature/ });
  });

  it('refuses X.509 and malformed SSH signatures as unsupported, without throwing', async () => {
    const x509 = withSignature(unsignedCommit(), '-----BEGIN SIGNED MESSAGE-----\nMIIB\n-----END SIGNED MESSAGE-----');
    await expectVerdict(verifyCommit(x509, await keys(), 'c'), { trusted: false, reason: 'Unsupported', message: /X\.509/ });
    for (const body of ['U1NIU0lH', 'AAAA', '!!!!', `U1NIU0lHAAAAAQ${'A'.repeat(200)}`]) {
      const raw = withSignature(unsignedCommit(), `-----BEGIN SSH SIGNATURE-----\n${body}\n-----END SSH SIGNATURE-----`);
      const verdict = await verifyCommit(raw, await keys([allowed(sshKeyOf('ed25519'))]), 'c');
      assert.equal(verdict.trusted, false, body);
    }
  });

  it('reads the payload of a commit and a tag exactly as git signs them', async () => {
    const repo = path.join(dir, 'repo');
    const key = sshKeyOf('ed25519');
    const config = ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', '-c', 'gpg.format=ssh', '-c', `user.signingkey=${key.file}.pub`];
    await run('git', ['init', '-q', repo]);
    await run('git', [...config, 'commit', '-q', '--allow-empty', '-S', '-m', 'signed by git'], { cwd: repo });
    await run('git', [...config, 'tag', '-s', 'v1.0.0', '-m', 'release'], { cwd: repo });
    await run('git', [...config, 'tag', '-a', 'v1.0.1', '-m', 'unsigned'], { cwd: repo });
    const object = async (spec: string, type: string): Promise<Buffer> => (await run('git', ['cat-file', type, spec], { cwd: repo, encoding: 'buffer' })).stdout;
    const trustedKeys = await keys([allowed(key)]);
    await expectVerdict(verifyCommit(await object('HEAD', 'commit'), trustedKeys, 'commit HEAD'), { trusted: true, signer: /^dev@example.com SHA256:/ });
    await expectVerdict(verifyTag(await object('v1.0.0', 'tag'), trustedKeys, 'tag v1.0.0'), { trusted: true, signer: /SHA256:/ });
    await expectVerdict(verifyTag(await object('v1.0.1', 'tag'), trustedKeys, 'tag v1.0.1'), { trusted: false, reason: 'Unsigned', message: /^tag v1\.0\.1 is not signed$/ });
    // The payload is byte for byte what git verifies: the object without its gpgsig header.
    const raw = await object('HEAD', 'commit');
    assert.ok(!signedCommit(raw).payload.includes('gpgsig'));
    assert.ok(signedCommit(raw).payload.toString('utf8').endsWith('\n\nsigned by git\n'));
  });
});

describe('the keys of a verify Secret', () => {
  it('refuses allowed_signers lines it cannot honour, naming the line', () => {
    assert.throws(() => parseAllowedSigners('dev@example.com cert-authority ssh-ed25519 AAAA', 'Secret a/b key allowed_signers'), /line 1: cert-authority lines are not supported/);
    assert.throws(() => parseAllowedSigners('# comment\n\ndev@example.com ssh-ed25519', 'Secret a/b key allowed_signers'), /line 3: expected "principals \[options\] keytype key"/);
    assert.throws(() => parseAllowedSigners('dev@example.com ssh-ed25519 AAAAB3NzaC1yc2E=', 'Secret a/b key allowed_signers'), /line 1: /);
  });

  it('refuses a private OpenPGP key and text that is no key, naming the entry', async () => {
    await assert.rejects(readOpenPgpKeys(trusted.privateKey.armor(), 'Secret a/b key dev.asc'), /Secret a\/b key dev\.asc: not an OpenPGP public key: holds a private key/);
    await assert.rejects(readOpenPgpKeys('hello', 'Secret a/b key dev.asc'), /Secret a\/b key dev\.asc: not an OpenPGP public key/);
  });
});
