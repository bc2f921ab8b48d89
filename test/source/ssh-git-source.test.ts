/**
 * Git over SSH through GitSource against a real OpenSSH server (test/harness/sshd.ts):
 * deploy-key fetches, a new commit fetched incrementally, one ref listing and one
 * fetch shared by concurrent callers, and every named failure (wrong key, unknown
 * or changed host key, no such repository, server down, a pack over the cap),
 * none of which may print the private key.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { InvalidSourceError, TransientSourceError } from '../../src/errors.ts';
import { GitSource, type GitSourceOptions } from '../../src/source/git-source.ts';
import { parseRepository, type GitCredentials } from '../../src/source/repository.ts';
import { closeSshConnections, forgetFirstSeenKeys } from '../../src/source/ssh-connection.ts';
import { commitFiles, createRepository, tempDir, type TestRepository } from '../harness/git-repositories.ts';
import { generateSshKey, sharedSshd, startSshd, type Sshd } from '../harness/sshd.ts';

let root: string;
let sshd: Sshd;
let repository: TestRepository;
let first: string;

before(async () => {
  root = await tempDir('ssh-source');
  sshd = await sharedSshd();
  repository = await createRepository(root, 'apps');
  first = await commitFiles(repository, { 'web/deploy.yaml': 'kind: ConfigMap\nmetadata: {name: web}\n', 'README.md': '# apps\n', 'vendor/blob.txt': randomBytes(60_000).toString('base64') });
});
after(async () => {
  closeSshConnections();
  await fs.rm(root, { recursive: true, force: true });
});

const deployKey = (): GitCredentials => ({ kind: 'ssh', privateKey: sshd.clientKey, knownHosts: sshd.knownHosts });

async function newSource(options: Partial<GitSourceOptions> = {}): Promise<GitSource> {
  return new GitSource({ cacheDir: await tempDir('cache', root), ...options });
}

async function fetchMain(source: GitSource, url: string, credentials: GitCredentials) {
  const remote = parseRepository(url, credentials);
  return source.fetch(remote, await source.resolveRevision(remote, 'main', { maxAgeMs: 0 }));
}

function failure(type: typeof InvalidSourceError | typeof TransientSourceError, reason: string, pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof type, String(error));
    assert.equal(error.reason, reason);
    assert.match(error.message, pattern);
    assert.doesNotMatch(`${error.message}\n${String(error.stack)}`, /PRIVATE KEY|b3BlbnNzaC1rZXktdjE/);
    return true;
  };
}

describe('Git over SSH', () => {
  it('fetches a branch with a deploy key and reads its files', async () => {
    const source = await newSource();
    const outcome = await fetchMain(source, sshd.urlOf(repository.bare), deployKey());
    assert.equal(outcome.commit, first);
    assert.equal(outcome.transferred, true);
    const tree = await source.tree(parseRepository(sshd.urlOf(repository.bare), deployKey()), outcome.commit);
    assert.match((await tree.readFile('web/deploy.yaml')).toString('utf8'), /name: web/);
  });

  it('fetches a new commit incrementally and says which commit it replaces', async () => {
    const source = await newSource();
    const url = sshd.urlOf(repository.bare);
    const before = await fetchMain(source, url, deployKey());
    const second = await commitFiles(repository, { 'web/deploy.yaml': 'kind: ConfigMap\nmetadata: {name: web2}\n' }, 'rename');
    const cold = await fetchMain(await newSource(), url, deployKey());
    const after = await fetchMain(source, url, deployKey());
    assert.equal(after.commit, second);
    assert.equal(after.previousCommit, before.commit);
    assert.equal(after.forced, false);
    assert.equal(after.transferred, true);
    // Incremental: the pack carries the two new commits, not the whole tree again.
    assert.ok(after.bytes < cold.bytes, `incremental ${after.bytes} bytes, cold ${cold.bytes} bytes`);
  });

  it('shares one ref listing and one fetch among concurrent callers', async () => {
    const operations: string[] = [];
    const source = await newSource({ onRemote: (operation) => { operations.push(operation); } });
    const remote = parseRepository(sshd.urlOf(repository.bare), deployKey());
    const outcomes = await Promise.all(Array.from({ length: 8 }, async () => source.fetch(remote, await source.resolveRevision(remote, 'main'))));
    assert.equal(new Set(outcomes.map((outcome) => outcome.commit)).size, 1);
    assert.deepEqual(operations.sort(), ['fetch', 'list-refs']);
  });

  it('refuses a key the server does not accept, naming it', async () => {
    const stranger = await generateSshKey('stranger');
    await assert.rejects(fetchMain(await newSource(), sshd.urlOf(repository.bare), { kind: 'ssh', privateKey: stranger.privateKey, knownHosts: sshd.knownHosts }),
      failure(InvalidSourceError, 'AuthenticationFailed', /^ssh:\/\/127\.0\.0\.1:\d+\/.*apps\.git: .*the server refused the key in sshPrivateKey/));
  });

  it('refuses a server whose host key knownHosts does not list, before authenticating', async () => {
    const other = await generateSshKey('other-host');
    const mismatched = `[127.0.0.1]:${sshd.port} ${other.publicKey}\n`;
    await assert.rejects(fetchMain(await newSource(), sshd.urlOf(repository.bare), { kind: 'ssh', privateKey: sshd.clientKey, knownHosts: mismatched }),
      failure(InvalidSourceError, 'HostKeyRejected', /host key mismatch: the server offered ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}, which knownHosts does not list for \[127\.0\.0\.1\]:\d+/));
    const elsewhere = `git.example.com ${other.publicKey}\n`;
    await assert.rejects(fetchMain(await newSource(), sshd.urlOf(repository.bare), { kind: 'ssh', privateKey: sshd.clientKey, knownHosts: elsewhere }),
      failure(InvalidSourceError, 'HostKeyRejected', /knownHosts has no line for \[127\.0\.0\.1\]:\d+; add the server's key \(ssh-keyscan -p \d+ 127\.0\.0\.1/));
  });

  it('trusts the first key on first use only when asked, and then only that key', async () => {
    forgetFirstSeenKeys();
    const source = await newSource({ sshTrustOnFirstUse: true });
    assert.equal((await fetchMain(source, sshd.urlOf(repository.bare), { kind: 'ssh', privateKey: sshd.clientKey, knownHosts: '' })).commit.length, 40);
    await assert.rejects(fetchMain(await newSource(), sshd.urlOf(repository.bare), { kind: 'ssh', privateKey: sshd.clientKey, knownHosts: '' }),
      failure(InvalidSourceError, 'HostKeyRejected', /knownHosts is empty or missing/));
    forgetFirstSeenKeys();
  });

  it('names a path with no repository', async () => {
    await assert.rejects(fetchMain(await newSource(), sshd.urlOf(`${root}/nothing-here.git`), deployKey()),
      failure(InvalidSourceError, 'InvalidURL', /nothing-here\.git: no repository at this path \(the server said: .*does not appear to be a git repository/));
  });

  it('reports a server that is down as a transient failure', async () => {
    const own = await startSshd();
    const url = own.urlOf(repository.bare);
    await own.stop();
    closeSshConnections();
    await assert.rejects(fetchMain(await newSource(), url, { kind: 'ssh', privateKey: own.clientKey, knownHosts: own.knownHosts }),
      failure(TransientSourceError, 'FetchFailed', /ECONNREFUSED/));
  });

  it('gives up on a server that accepts the connection and never speaks, within the request deadline', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => { sockets.push(socket); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const started = performance.now();
      await assert.rejects(fetchMain(await newSource({ requestTimeoutMs: 1_000 }), `ssh://git@127.0.0.1:${port}/x.git`, { kind: 'ssh', privateKey: sshd.clientKey, knownHosts: `[127.0.0.1]:${port} ${sshd.knownHosts.split(' ').slice(1).join(' ')}` }),
        failure(TransientSourceError, 'Timeout', /(no SSH handshake|no answer) within 1000 ms/));
      assert.ok(performance.now() - started < 10_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('stops a pack over the byte cap of one fetch', async () => {
    await assert.rejects(fetchMain(await newSource({ maxFetchBytes: 20_000 }), sshd.urlOf(repository.bare), deployKey()),
      failure(InvalidSourceError, 'FetchTooLarge', /more than 20000 bytes, the limit of one fetch/));
  });

  it('refuses a host that could be read as an option before any connection', async () => {
    const before = (await fs.readFile(sshd.logFile, 'utf8')).length;
    assert.throws(() => parseRepository('ssh://-oProxyCommand=touch%20/tmp/berth-pwned/x', deployKey()), /the host starts with "-"/);
    assert.throws(() => parseRepository('-oProxyCommand=id:repo.git', deployKey()), /the host starts with "-"/);
    assert.throws(() => parseRepository(`${sshd.user}@127.0.0.1:--upload-pack=touch /tmp/berth-pwned`, deployKey()), /path starts with "-"/);
    assert.equal((await fs.readFile(sshd.logFile, 'utf8')).length, before);
  });
});
