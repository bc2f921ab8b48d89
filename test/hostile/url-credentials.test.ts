/**
 * Issue #13, finding 8: `repoURL: https://user:TOKEN@host/...` showed the token
 * in `GET .../applications/{name}` (a read token was enough), in `berth status`
 * and in the poll job data in Redis. A real controller process watches an
 * Application created through the CRD with such a URL, pointing at a Git
 * server that would accept the token. The Application must be invalid with a
 * message that names the field and points at `credentialsSecret`, and the token
 * must appear nowhere: API responses, `berth status`, every key and value under
 * the controller's Redis prefix, its log, the Application's status, the
 * namespace's Events.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { installApplicationCrd } from '../application/install-crd.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { testKubeConfig, testNamespace, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { redisContents } from '../harness/redis-contents.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';

const root = path.resolve(import.meta.dirname, '../..');

async function get(rest: RestClient, apiPath: string): Promise<unknown> {
  return (await rest.request('GET', apiPath)).body;
}

interface Detail {
  valid: boolean;
  sync: string;
  problems?: { path: string; message: string }[];
}

describe('credentials in repoURL', () => {
  it('make the Application invalid, naming the field, and the token appears nowhere', { timeout: 300_000 }, async (t) => {
    const token = `urltoken-${randomBytes(18).toString('base64url')}`;
    const readToken = `read-${randomBytes(12).toString('hex')}`;
    const namespace = await testNamespace(t, 'url-creds');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    await installApplicationCrd(rest);

    const gitRoot = await tempDir('url-creds-git');
    const repository = await createRepository(gitRoot, 'deploy');
    const gitServer = await startGitServer(gitRoot, { username: 'deployer', password: token });
    t.after(async () => { await gitServer.close(); fs.rmSync(gitRoot, { recursive: true, force: true }); });
    await commitFiles(repository, {
      'apps/web/config.yaml': dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace }, data: { greeting: 'hello' } }),
    }, 'first');
    const plain = new URL(gitServer.url('deploy'));
    plain.username = 'deployer';
    plain.password = token;
    const applicationPath = `/apis/berth.dev/v1alpha1/namespaces/${namespace}/applications/web`;
    await rest.request('POST', `/apis/berth.dev/v1alpha1/namespaces/${namespace}/applications`, {
      body: {
        apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
        spec: {
          source: { repoURL: plain.toString(), targetRevision: 'main', path: 'apps/web' },
          destination: { namespace },
          syncPolicy: { automated: { prune: true }, pollInterval: '10m' },
        },
      },
    });

    const prefix = uniqueName('berth-url-creds');
    cleanUpPrefix(t, prefix);
    const controller = startControllerProcess({
      watchCluster: true, namespaces: [namespace], queuePrefix: prefix, env: { BERTH_API_READ_TOKENS: readToken },
    });
    t.after(async () => { await controller.stop(); });
    const base = await controller.explain(controller.baseUrl());
    const read = { authorization: `Bearer ${readToken}` };
    const appPath = `/api/v1/namespaces/${namespace}/applications/web`;

    const produced: { what: string; text: string }[] = [];
    // Judged: refused as invalid, or (as before the fix) used to fetch from the Git server and scheduled for polling.
    const detail = await controller.explain(eventually('the controller to judge the Application (invalid, or fetched with the token)', async () => {
      const response = await fetch(`${base}${appPath}`, { headers: read });
      if (response.status !== 200) return undefined;
      const text = await response.text();
      const found = JSON.parse(text) as Detail;
      if (found.valid && !(gitServer.requests.some((request) => request.authorized) && found.sync !== 'Unknown')) return undefined;
      produced.push({ what: `GET ${appPath}`, text });
      return found;
    }, { timeoutMs: 90_000 }));

    for (const route of ['/api/v1/applications', `${appPath}/history`, `${appPath}/resources`, `${appPath}/drift`, '/metrics']) {
      const response = await fetch(`${base}${route}`, { headers: read });
      produced.push({ what: `GET ${route} (${response.status})`, text: await response.text() });
    }
    const run = promisify(execFile);
    const status = await run(path.join(root, 'src/bin/node'), [path.join(root, 'src/cli/main.ts'), 'status', `${namespace}/web`, '--server', base],
      { env: { ...process.env, BERTH_TOKEN: readToken } }).catch((error: unknown) => error as { stdout: string; stderr: string });
    produced.push({ what: 'berth status', text: `${status.stdout}\n${status.stderr}` });
    const application = await get(rest, applicationPath) as { status?: unknown };
    produced.push({ what: 'Application status', text: JSON.stringify(application.status ?? {}) });
    produced.push({ what: 'Events', text: JSON.stringify(await get(rest, `/api/v1/namespaces/${namespace}/events`)) });
    for (const entry of await redisContents(prefix)) produced.push({ what: `Redis ${entry.slice(0, entry.indexOf(' '))}`, text: entry });
    produced.push({ what: 'controller log', text: fs.readFileSync(controller.logFile, 'utf8') });

    const leaks = produced.filter(({ text }) => text.includes(token) || text.includes(encodeURIComponent(token)))
      .map(({ what, text }) => `${what}: ...${text.slice(Math.max(0, text.indexOf(token) - 100), text.indexOf(token) + token.length + 20)}...`);
    t.diagnostic(`searched ${produced.length} outputs; Application valid=${String(detail.valid)} sync=${detail.sync}`);
    assert.deepEqual(leaks, [], `the token leaked:\n${leaks.join('\n')}`);

    assert.equal(detail.valid, false, 'an Application with credentials in repoURL is invalid');
    const problem = detail.problems?.find((entry) => entry.path.endsWith('repoURL'));
    assert.ok(problem, `a problem names spec.source.repoURL: ${JSON.stringify(detail.problems)}`);
    assert.match(problem.message, /credentialsSecret/, 'the message points at credentialsSecret');
    assert.match(status.stdout, /repoURL/, `berth status names the field: ${status.stdout}`);
    assert.ok(!gitServer.requests.some((request) => request.authorized), 'the token in the URL was never used');
  });
});
