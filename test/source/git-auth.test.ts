/**
 * HTTPS authentication against a smart-HTTP server that demands it: Basic
 * (username/password), a token sent as Bearer, a token sent as a Basic
 * password, credentials written in the URL, and the failures, whose messages
 * must never contain the secret.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { InvalidSourceError } from '../../src/errors.ts';
import { GitSource } from '../../src/source/git-source.ts';
import { parseRepository, type GitCredentials } from '../../src/source/repository.ts';
import { commitFiles, createRepository, startGitServer, tempDir, type GitServer } from '../harness/git-repositories.ts';

const password = 's3cret-Pa55';
const token = 'tok-0123456789abcdef';
let root: string;
let basicServer: GitServer;
let tokenServer: GitServer;
let head: string;

before(async () => {
  root = await tempDir('git-auth');
  const repository = await createRepository(root, 'private');
  head = await commitFiles(repository, { 'deploy.yaml': 'kind: ConfigMap\n' });
  basicServer = await startGitServer(root, { username: 'deployer', password });
  tokenServer = await startGitServer(root, { token });
});
after(async () => {
  await basicServer.close();
  await tokenServer.close();
  await fs.rm(root, { recursive: true, force: true });
});

async function fetchWith(url: string, credentials?: GitCredentials): Promise<string> {
  const source = new GitSource({ cacheDir: await tempDir('cache', root) });
  const repository = parseRepository(url, credentials);
  return (await source.fetch(repository, await source.resolveRevision(repository, 'main'))).commit;
}

function authFailure(pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof InvalidSourceError);
    assert.equal(error.reason, 'AuthenticationFailed');
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message + String(error.stack), /s3cret|tok-0123|wrong-secret/);
    return true;
  };
}

describe('Git over HTTPS with credentials', () => {
  it('fetches with a username and password sent up front', async () => {
    assert.equal(await fetchWith(basicServer.url('private'), { kind: 'basic', username: 'deployer', password }), head);
    // Sent up front: no request was first refused with a 401.
    assert.ok(basicServer.requests.length >= 3);
    assert.ok(basicServer.requests.every((request) => request.authorized));
  });

  it('fetches with a token as Bearer and as a Basic password', async () => {
    assert.equal(await fetchWith(tokenServer.url('private'), { kind: 'token', token }), head);
    assert.equal(await fetchWith(tokenServer.url('private'), { kind: 'token', token, username: 'x-access-token' }), head);
  });

  it('takes credentials written in the URL out of it', async () => {
    const url = basicServer.url('private').replace('http://', `http://deployer:${password}@`);
    const repository = parseRepository(url);
    assert.doesNotMatch(repository.url, /s3cret|deployer/);
    assert.equal(await fetchWith(url), head);
  });

  it('fails without credentials, saying they are required', async () => {
    await assert.rejects(fetchWith(basicServer.url('private')), authFailure(/requires credentials \(HTTP 401\); set credentialsSecret/));
  });

  it('fails with wrong credentials, without printing them', async () => {
    await assert.rejects(
      fetchWith(basicServer.url('private'), { kind: 'basic', username: 'deployer', password: 'wrong-secret' }),
      authFailure(/^http:\/\/127\.0\.0\.1:\d+\/private\.git: the server rejected the credentials \(HTTP 401\)$/),
    );
    await assert.rejects(fetchWith(tokenServer.url('private'), { kind: 'token', token: 'wrong-secret' }), authFailure(/rejected the credentials/));
  });
});
