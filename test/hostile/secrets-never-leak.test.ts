/**
 * Issue #9, secrets never leak: a real controller process syncs an Application
 * from a Git server that demands a password, whose manifests hold a Secret; the
 * API tokens and the webhook secret are random too. The test drifts the Secret
 * in the cluster, reads every API route, /metrics, sends a webhook with a bad
 * signature and requests with wrong tokens, syncs through the API, then greps
 * everything the controller produced (its log, every response, the
 * Application's status, the release ConfigMap, the namespace's Events, every
 * value under its Redis prefix) for each secret, raw and base64: none may appear.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { installApplicationCrd } from '../application/install-crd.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { testControllerNamespace } from '../controller/replica-fixtures.ts';
import { releaseRecordPath } from '../../src/controller/release-store.ts';
import { testKubeConfig, testNamespace, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { redisContents } from '../harness/redis-contents.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { githubHeaders, githubPushBody } from '../server/github-delivery.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';

/** A value no test fixture could contain by chance. */
const secretValue = (label: string): string => `${label}-${randomBytes(18).toString('base64url')}`;
const b64 = (value: string): string => Buffer.from(value, 'utf8').toString('base64');

async function get(rest: RestClient, apiPath: string): Promise<unknown> {
  return (await rest.request('GET', apiPath)).body;
}

describe('secrets never leak', () => {
  it('no password, Secret value, token or webhook secret appears in anything the controller produced', { timeout: 300_000 }, async (t) => {
    const secrets = {
      gitPassword: secretValue('gitpass'),
      manifestSecret: secretValue('manifest'),
      driftedSecret: secretValue('drifted'),
      adminToken: secretValue('admin'),
      readToken: secretValue('read'),
      webhookSecret: secretValue('webhook'),
    };
    const namespace = await testNamespace(t, 'no-leak');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    await installApplicationCrd(rest);

    const root = await tempDir('no-leak-git');
    const repository = await createRepository(root, 'deploy');
    const gitServer = await startGitServer(root, { username: 'deployer', password: secrets.gitPassword });
    t.after(async () => { await gitServer.close(); fs.rmSync(root, { recursive: true, force: true }); });
    await commitFiles(repository, {
      'apps/web/secret.yaml': dump({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-secret', namespace }, type: 'Opaque', data: { password: b64(secrets.manifestSecret) } }),
      'apps/web/config.yaml': dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace }, data: { greeting: 'hello' } }),
    }, 'first');
    await rest.request('POST', `/api/v1/namespaces/${namespace}/secrets`, {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git-creds', namespace }, data: { username: b64('deployer'), password: b64(secrets.gitPassword) } },
    });
    const applicationPath = `/apis/berth.dev/v1alpha1/namespaces/${namespace}/applications/web`;
    await rest.request('POST', `/apis/berth.dev/v1alpha1/namespaces/${namespace}/applications`, {
      body: {
        apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
        spec: {
          source: { repoURL: gitServer.url('deploy'), targetRevision: 'main', path: 'apps/web', credentialsSecret: 'git-creds' },
          destination: { namespace },
          // No selfHeal: the drifted Secret stays, so drift is reported and read back.
          syncPolicy: { automated: { prune: true }, pollInterval: '10m' },
        },
      },
    });

    const prefix = uniqueName('berth-no-leak');
    cleanUpPrefix(t, prefix);
    const controller = startControllerProcess({
      watchCluster: true, namespaces: [namespace], queuePrefix: prefix,
      env: { BERTH_WEBHOOK_SECRET_GITHUB: secrets.webhookSecret, BERTH_API_ADMIN_TOKENS: secrets.adminToken, BERTH_API_READ_TOKENS: secrets.readToken },
    });
    t.after(async () => { await controller.stop(); });
    const base = await controller.baseUrl();

    const produced: { what: string; text: string }[] = [];
    const call = async (what: string, url: string, init: RequestInit = {}): Promise<Response> => {
      const response = await fetch(`${base}${url}`, init);
      const text = await response.clone().text();
      produced.push({ what: `${what} (${response.status})`, text: `${JSON.stringify([...response.headers])}\n${text}` });
      return response;
    };
    const read = { authorization: `Bearer ${secrets.readToken}` };
    const admin = { authorization: `Bearer ${secrets.adminToken}` };
    const appPath = `/api/v1/namespaces/${namespace}/applications/web`;
    interface AppStatus { sync?: { status?: string }; health?: { status?: string } }
    const statusOf = async (): Promise<AppStatus | undefined> => (await get(rest, applicationPath) as { status?: AppStatus }).status;

    await controller.explain(eventually('the Application to sync with the Git password and be Healthy', async () => {
      const status = await statusOf();
      return status?.sync?.status === 'Synced' && status.health?.status === 'Healthy' ? status : undefined;
    }, { timeoutMs: 90_000 }));
    assert.ok(gitServer.requests.some((request) => request.authorized) && gitServer.requests.every((request) => request.authorized || request.method === 'GET'),
      'the controller fetched with the password');

    // Drift: the Secret's value changed in the cluster.
    await rest.request('PATCH', `/api/v1/namespaces/${namespace}/secrets/web-secret`, {
      query: { fieldManager: 'kubectl-edit' }, contentType: 'application/merge-patch+json', body: { data: { password: b64(secrets.driftedSecret) } },
    });
    await controller.explain(eventually('the API to report the drifted Secret', async () => {
      const drift = await (await fetch(`${base}${appPath}/drift`, { headers: read })).json() as { status: string; objects: { kind: string; status: string }[] };
      return drift.status === 'OutOfSync' && drift.objects.some((object) => object.kind === 'Secret' && object.status === 'OutOfSync') ? drift : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 }));

    // Every read route, with both tokens.
    for (const [who, headers] of [['read', read], ['admin', admin]] as const) {
      for (const route of ['/api/v1/applications', appPath, `${appPath}/drift`, `${appPath}/drift?format=text`, `${appPath}/history`, `${appPath}/resources`]) {
        const response = await call(`GET ${route} as ${who}`, route, { headers });
        assert.equal(response.status, 200, route);
      }
    }
    const textDiff = await (await call('drift text', `${appPath}/drift?format=text`, { headers: read })).text();
    assert.match(textDiff, /Secret/, 'the text diff shows the Secret changed');
    assert.match(textDiff, /password: .*<masked:[0-9a-f]{16}>/, 'the changed value shows as a placeholder');
    for (const route of ['/metrics', '/healthz', '/readyz', '/api/v1/openapi.json']) await call(`GET ${route}`, route);

    // Refusals: wrong and missing tokens, a read token on an operation, bad webhooks.
    await call('wrong token', '/api/v1/applications', { headers: { authorization: `Bearer ${secrets.adminToken}x` } });
    await call('no token', appPath);
    await call('read token on sync', `${appPath}/sync`, { method: 'POST', headers: { ...read, 'content-type': 'application/json' }, body: '{}' });
    const push = githubPushBody({ repoURL: gitServer.url('deploy'), after: 'f'.repeat(40), paths: ['apps/web/secret.yaml'] });
    const forged = await call('webhook with a bad signature', '/api/v1/webhooks/github', { method: 'POST', headers: githubHeaders(push, `${secrets.webhookSecret}-not`), body: push });
    assert.equal(forged.status, 401);
    await call('webhook without a signature', '/api/v1/webhooks/github', { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push' }, body: push });
    await call('webhook signed with the secret as the body', '/api/v1/webhooks/github', { method: 'POST', headers: githubHeaders(Buffer.from(secrets.webhookSecret), secrets.webhookSecret), body: secrets.webhookSecret });

    // A dry run, then a sync that puts the Secret back.
    assert.equal((await call('dry-run sync', `${appPath}/sync`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: '{"dryRun":true}' })).status, 202);
    assert.equal((await call('sync', `${appPath}/sync`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: '{}' })).status, 202);
    await controller.explain(eventually('the sync to put the Secret back', async () => {
      const secret = await get(rest, `/api/v1/namespaces/${namespace}/secrets/web-secret`) as { data?: { password?: string } };
      const status = await statusOf();
      return secret.data?.password === b64(secrets.manifestSecret) && status?.sync?.status === 'Synced' ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 }));
    for (const route of [appPath, `${appPath}/history`, `${appPath}/drift`, `${appPath}/drift?format=text`]) await call(`GET ${route} after the sync`, route, { headers: admin });
    await call('GET /metrics at the end', '/metrics');

    // Everything the controller produced.
    produced.push({ what: 'controller log', text: fs.readFileSync(controller.logFile, 'utf8') });
    const applicationObject = await get(rest, applicationPath) as { metadata: { uid: string } };
    produced.push({ what: 'Application', text: JSON.stringify(applicationObject) });
    const recordPath = releaseRecordPath(testControllerNamespace, { namespace, name: 'web', uid: applicationObject.metadata.uid });
    produced.push({ what: 'release ConfigMap', text: JSON.stringify(await get(rest, recordPath)) });
    produced.push({ what: 'Events', text: JSON.stringify(await get(rest, `/api/v1/namespaces/${namespace}/events`)) });
    produced.push({ what: 'Events (events.k8s.io)', text: JSON.stringify(await get(rest, `/apis/events.k8s.io/v1/namespaces/${namespace}/events`)) });
    const configMaps = await get(rest, `/api/v1/namespaces/${namespace}/configmaps`) as { items: unknown[] };
    produced.push({ what: 'ConfigMaps of the namespace', text: JSON.stringify(configMaps) });
    for (const entry of await redisContents(prefix)) produced.push({ what: `Redis ${entry.slice(0, entry.indexOf(' '))}`, text: entry });
    // Not searched: the Git and render caches under --cache-dir, which hold the manifests themselves by design.

    const events = JSON.stringify(await get(rest, `/api/v1/namespaces/${namespace}/events`));
    assert.ok(events.includes('"involvedObject"'), 'the controller wrote Events to search');
    assert.ok(produced.some(({ what }) => what.startsWith('Redis')), 'Redis held something to search');
    const leaks: string[] = [];
    for (const [name, value] of Object.entries(secrets)) {
      for (const [form, needle] of [['raw', value], ['base64', b64(value)], ['base64 of user:password', b64(`deployer:${value}`)], ['URL-encoded', encodeURIComponent(value)]] as const) {
        for (const { what, text } of produced) {
          if (text.includes(needle)) leaks.push(`${name} (${form}) in ${what}: ...${text.slice(Math.max(0, text.indexOf(needle) - 120), text.indexOf(needle) + needle.length + 40)}...`);
        }
      }
    }
    t.diagnostic(`searched ${produced.length} outputs (${produced.reduce((sum, { text }) => sum + text.length, 0)} characters) for ${Object.keys(secrets).length} secrets in 4 forms`);
    assert.deepEqual(leaks, [], `secrets leaked:\n${leaks.join('\n')}`);
  });
});
