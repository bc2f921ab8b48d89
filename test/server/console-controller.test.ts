/**
 * The console's server side in a real controller process, against the real
 * control plane, Redis and a Git server: the list row carries the commit's
 * short SHA, subject and author as the controller rendered it; a new commit
 * reaches an open event stream by itself; the page of the Application has its
 * tree and history; actions through the cookie need the CSRF header.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml } from '../controller/replica-fixtures.ts';
import { signIn } from './console-fixtures.ts';

const adminToken = 'console-e2e-admin-token-0123456789';

interface Row { key: string; sync: string; revision: { short: string; subject?: string; author?: string } | null }

describe('the console in a real controller', () => {
  it('shows the rendered commit, streams the next one, and guards actions', { timeout: 240_000 }, async (t) => {
    const namespace = await testNamespace(t, 'console-e2e');
    const root = await tempDir('berth-console-e2e-git-');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });
    const first = await commitFiles(repository, { 'apps/web/settings.yaml': configMapYaml(namespace, 'web-settings', 'one') }, 'Settings: first value');
    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({ apiVersion: 'v1', kind: 'List', items: [{
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
      spec: { source: { repoURL: server.url('deploy'), targetRevision: 'main', path: 'apps/web' }, destination: { namespace }, syncPolicy: { automated: { prune: true }, pollInterval: '3s' } },
    }] }));
    const controller = startControllerProcess({ appsFile, env: { BERTH_API_ADMIN_TOKENS: adminToken } });
    t.after(async () => { await controller.stop(); });
    const base = await controller.baseUrl();
    const { cookie, csrf, response } = await signIn(base, adminToken);
    assert.equal(response.status, 201);

    const rowOf = async (): Promise<Row | undefined> => {
      const page = await (await fetch(`${base}/api/v1/console/applications?namespace=${namespace}`, { headers: { cookie } })).json() as { items: Row[] };
      return page.items[0];
    };
    const synced = await controller.explain(eventually('the first commit synced', async () => {
      const row = await rowOf();
      return row?.sync === 'Synced' && row.revision?.short === first.slice(0, 7) && row.revision.subject ? row : undefined;
    }, { timeoutMs: 90_000 }));
    assert.deepEqual(synced.revision, { sha: first, short: first.slice(0, 7), subject: 'Settings: first value', author: 'Berth Test' });

    // An open page learns of the next commit without asking.
    const controllerAbort = new AbortController();
    t.after(() => { controllerAbort.abort(); });
    const stream = await fetch(`${base}/api/v1/events?app=${namespace}/web`, { headers: { cookie }, signal: controllerAbort.signal });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    const second = await commitFiles(repository, { 'apps/web/settings.yaml': configMapYaml(namespace, 'web-settings', 'two') }, 'Settings: second value');
    const reader = (stream.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    await controller.explain(eventually('an event with the second commit', async () => {
      const { value } = await reader.read();
      text += value ?? '';
      return text.includes(`"short":"${second.slice(0, 7)}"`) && text.includes('Settings: second value') ? true : undefined;
    }, { timeoutMs: 90_000, intervalMs: 1 }));
    controllerAbort.abort();

    const page = await (await fetch(`${base}/api/v1/console/namespaces/${namespace}/applications/web`, { headers: { cookie } })).json() as {
      tree: { namespaces: { name: string; groups: { kind: string; nodes: { name: string }[] }[] }[] };
      history: { initiator: string; short: string; subject?: string }[];
    };
    const group = page.tree.namespaces.find((branch) => branch.name === namespace)?.groups.find((found) => found.kind === 'ConfigMap');
    assert.deepEqual(group?.nodes.map((node) => node.name), ['web-settings']);
    assert.ok(page.history.length >= 2);
    assert.ok(page.history.every((item) => ['poll', 'webhook', 'manual', 'rollback'].includes(item.initiator)), JSON.stringify(page.history));
    assert.equal(page.history[0]?.short, second.slice(0, 7));

    const noCsrf = await fetch(`${base}/api/v1/namespaces/${namespace}/applications/web/refresh`, { method: 'POST', headers: { cookie } });
    assert.equal(noCsrf.status, 403);
    const refresh = await fetch(`${base}/api/v1/namespaces/${namespace}/applications/web/refresh`, { method: 'POST', headers: { cookie, 'x-berth-csrf': csrf } });
    assert.equal(refresh.status, 202);

    const index = await fetch(`${base}/`);
    assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.ok(index.status === 200 || (await index.text()).includes('npm run build:console'), 'the console, or how to build it');
  });
});
