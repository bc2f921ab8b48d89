/**
 * The set-up that controller integration tests share, once instead of pasted
 * into each: a namespace of the test's own, a REST client to the shared control
 * plane, and a Git repository `deploy` served over HTTP on loopback. Everything
 * is removed when the test ends (namespace deleted, client closed, server
 * stopped, folder removed).
 */
import fs from 'node:fs';
import type { TestContext } from 'node:test';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { createRepository, startGitServer, tempDir, type GitServer, type ServerAuth, type TestRepository } from './git-repositories.ts';
import { testKubeConfig, testNamespace } from './env.ts';

/** A REST client to the test control plane, closed when the test ends. */
export async function testRestClient(t: TestContext): Promise<RestClient> {
  const rest = await createRestClient(testKubeConfig());
  t.after(() => { rest.close(); });
  return rest;
}

export interface ServedRepository {
  /** The folder holding the bare repository and its work tree; tests may write their own files here. */
  root: string;
  repository: TestRepository;
  server: GitServer;
  /** The repository's URL, for an Application's `source.repoURL`. */
  repoURL: string;
}

/** A repository `deploy` in a fresh folder, served by `git http-backend` (behind `auth` when given). */
export async function servedRepository(t: TestContext, name: string, auth?: ServerAuth): Promise<ServedRepository> {
  const root = await tempDir(`berth-${name}-git-`);
  const repository = await createRepository(root, 'deploy');
  const server = await startGitServer(root, auth);
  t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });
  return { root, repository, server, repoURL: server.url('deploy') };
}

export interface IntegrationSetup extends ServedRepository {
  namespace: string;
  rest: RestClient;
}

/** A namespace named after `name`, a REST client and a served repository, for one test. */
export async function integrationSetUp(t: TestContext, name: string, options: { auth?: ServerAuth } = {}): Promise<IntegrationSetup> {
  const namespace = await testNamespace(t, name);
  const rest = await testRestClient(t);
  return { namespace, rest, ...await servedRepository(t, name, options.auth) };
}
