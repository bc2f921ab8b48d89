/**
 * What Berth's Git client may reach and where its credentials go: a redirect to
 * another origin is not followed (the Authorization header never reaches the
 * second server), a redirect within the origin is; with a network policy,
 * loopback/private and metadata addresses are refused whether written as an IP,
 * as a name that resolves to one, or as a name that rebinds to one between two
 * lookups.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { guardedLookup, type ResolveAll } from '../../src/policy/guarded-lookup.ts';
import { PolicyError } from '../../src/policy/policy.ts';
import { InvalidSourceError } from '../../src/errors.ts';
import { GitSource } from '../../src/source/git-source.ts';
import { parseRepository } from '../../src/source/repository.ts';
import { commitFiles, createRepository, startGitServer, tempDir, type GitServer } from '../harness/git-repositories.ts';

const password = 'redirect-s3cret';
let root: string;
let gitServer: GitServer;
let head: string;

interface Recorder { url: string; requests: { path: string; authorization: string | undefined }[]; close(): Promise<void> }

/** An HTTP server on loopback whose handler also records each request's path and Authorization header. */
async function startServer(handle: (request: http.IncomingMessage, response: http.ServerResponse) => void): Promise<Recorder> {
  const requests: Recorder['requests'] = [];
  const server = http.createServer((request, response) => {
    requests.push({ path: request.url ?? '', authorization: request.headers.authorization });
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }),
  };
}

before(async () => {
  root = await tempDir('git-network');
  head = await commitFiles(await createRepository(root, 'private'), { 'deploy.yaml': 'kind: ConfigMap\n' });
  gitServer = await startGitServer(root, { username: 'deployer', password });
});
after(async () => {
  await gitServer.close();
  await fs.rm(root, { recursive: true, force: true });
});

const credentials = { kind: 'basic', username: 'deployer', password } as const;
const sourceIn = async (network?: ConstructorParameters<typeof GitSource>[0]['network']): Promise<GitSource> =>
  new GitSource({ cacheDir: await tempDir('cache', root), ...(network ? { network } : {}) });

describe('redirects and credentials', () => {
  it('does not follow a redirect to another origin, so the credentials never reach it', async () => {
    const elsewhere = await startServer((_request, response) => { response.writeHead(404).end(); });
    // Another port is another origin, as another host would be.
    const redirecting = await startServer((request, response) => {
      response.writeHead(302, { location: `${elsewhere.url}${request.url ?? ''}` }).end();
    });
    try {
      const source = await sourceIn();
      await assert.rejects(source.resolveRevision(parseRepository(`${redirecting.url}/private.git`, credentials), 'main'), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /HTTP 302/);
        assert.doesNotMatch(error.message, /redirect-s3cret/);
        return true;
      });
      assert.ok(redirecting.requests.length >= 1);
      assert.ok(redirecting.requests.every((request) => request.authorization?.startsWith('Basic ')), 'the first server got the credentials');
      assert.deepEqual(elsewhere.requests, [], 'the second server was never asked');
    } finally {
      await Promise.all([elsewhere.close(), redirecting.close()]);
    }
  });

  it('follows a redirect within the origin, credentials included', async () => {
    // A front server that moved the repository: /moved.git/... redirects to /private.git/... on itself,
    // and everything under /private.git is passed on to the real Git server.
    const target = new URL(gitServer.url('private'));
    const front = await startServer((request, response) => {
      const path = request.url ?? '/';
      if (path.startsWith('/moved.git/')) {
        response.writeHead(301, { location: path.replace('/moved.git/', '/private.git/') }).end();
        return;
      }
      const upstream = http.request({ host: target.hostname, port: target.port, path, method: request.method, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      request.pipe(upstream);
    });
    try {
      const source = await sourceIn();
      const repository = parseRepository(`${front.url}/moved.git`, credentials);
      const resolved = await source.resolveRevision(repository, 'main');
      assert.equal(resolved.commit, head);
      assert.ok(front.requests.some((request) => request.path.startsWith('/moved.git/')), 'the redirect was exercised');
      assert.ok(front.requests.filter((request) => request.path.startsWith('/private.git/')).every((request) => request.authorization?.startsWith('Basic ')));
    } finally {
      await front.close();
    }
  });
});

describe('network policy of the Git client', () => {
  const strict = { allowPrivateRepos: false, allowLinkLocalRepos: false };

  it('refuses a loopback IP literal when private addresses are not allowed, without connecting', async () => {
    const before = gitServer.requests.length;
    const source = await sourceIn(strict);
    await assert.rejects(source.resolveRevision(parseRepository(gitServer.url('private'), credentials), 'main'), (error: unknown) => {
      assert.ok(error instanceof InvalidSourceError);
      assert.equal(error.reason, 'NotAllowed');
      assert.match(error.message, /127\.0\.0\.1 is a loopback address, which is not allowed without --allow-private-repos=true/);
      return true;
    });
    assert.equal(gitServer.requests.length, before);
  });

  it('refuses a host name that resolves to a refused address (checked at connect time)', async () => {
    const before = gitServer.requests.length;
    const source = await sourceIn(strict);
    // `vm` resolves to 127.0.0.1 through /etc/hosts on the test machine; the URL says nothing about loopback.
    const url = gitServer.url('private').replace('127.0.0.1', 'vm');
    await assert.rejects(source.resolveRevision(parseRepository(url, credentials), 'main'), (error: unknown) => {
      assert.ok(error instanceof InvalidSourceError);
      assert.equal(error.reason, 'NotAllowed');
      assert.match(error.message, /vm resolves to 127\.0\.0\.1, a loopback address, which is not allowed without --allow-private-repos=true/);
      return true;
    });
    assert.equal(gitServer.requests.length, before);
  });

  it('fetches from loopback under the default policy (private addresses allowed)', async () => {
    const source = await sourceIn({ allowPrivateRepos: true, allowLinkLocalRepos: false });
    const resolved = await source.resolveRevision(parseRepository(gitServer.url('private').replace('127.0.0.1', 'vm'), credentials), 'main');
    assert.equal(resolved.commit, head);
  });

  it('refuses a name that rebinds to the metadata address between lookups', async () => {
    let lookups = 0;
    // First answer public, then 169.254.169.254: what a rebinding DNS server does to beat a check-then-connect.
    const rebinding: ResolveAll = (_hostname, _options, callback) => {
      lookups++;
      callback(null, [{ address: lookups === 1 ? '93.184.216.34' : '169.254.169.254', family: 4 }]);
    };
    const lookup = guardedLookup({ allowPrivateRepos: true, allowLinkLocalRepos: false }, rebinding);
    const answer = (): Promise<unknown> => new Promise((resolve) => { lookup('rebind.example', { all: true }, (error, address) => { resolve(error ?? address); }); });
    assert.deepEqual(await answer(), [{ address: '93.184.216.34', family: 4 }]);
    const second = await answer();
    assert.ok(second instanceof PolicyError);
    assert.equal(second.rule, '--allow-link-local-repos');
    assert.match(second.message, /rebind\.example resolves to 169\.254\.169\.254, a metadata address/);

    // And the connection itself uses that lookup: a request through it never leaves.
    const failure = await new Promise<unknown>((resolve) => {
      const request = http.get({ host: 'rebind.example', port: 80, path: '/latest/meta-data/', lookup }, () => { resolve(undefined); });
      request.on('error', resolve);
    });
    assert.ok(failure instanceof PolicyError, String(failure));
  });

  it('refuses a name resolving to several addresses when one of them is refused', async () => {
    const mixed: ResolveAll = (_hostname, _options, callback) => {
      callback(null, [{ address: '93.184.216.34', family: 4 }, { address: 'fe80::1', family: 6 }]);
    };
    const lookup = guardedLookup({ allowPrivateRepos: true, allowLinkLocalRepos: false }, mixed);
    const error = await new Promise<unknown>((resolve) => { lookup('mixed.example', {}, (failure) => { resolve(failure); }); });
    assert.ok(error instanceof PolicyError);
    assert.match(error.message, /fe80::1, a link-local address/);
  });
});
