/**
 * Notifications through the real controller (a separate process), the shared
 * control plane and Redis, to a receiver on loopback: a good commit is told
 * as Synced then Healthy, a failing one as Degraded then RolledBack; a 429
 * with Retry-After is retried no sooner; a controller killed between the
 * transition and its delivery still delivers exactly once; a receiver that
 * hangs does not hold reconciles back; no secret reaches a message or a log.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { dump } from 'js-yaml';
import { eventually } from '../harness/eventually.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { neverReadyAnnotation } from '../harness/kwok.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { uniqueName } from '../harness/env.ts';
import { startControllerProcess, type ControllerProcess } from '../controller/controller-process.ts';
import { readRelease } from '../controller/replica-fixtures.ts';
import { installApplicationCrd } from '../application/install-crd.ts';
import { createWebhookProvider, installNotificationCrds } from './install-crds.ts';
import { eventTypeOf, startReceiver, type Receiver, type ReceivedRequest } from './receiver.ts';

const hmacKey = 'hmac-key-that-must-never-show-4f1c9a';
const readToken = 'notify-read-token-1';
const adminToken = 'notify-admin-token-1';

function deployment(namespace: string, image: string, neverReady = false): string {
  return dump({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace },
    spec: {
      replicas: 1, progressDeadlineSeconds: 5,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' }, ...(neverReady ? { annotations: { [neverReadyAnnotation]: 'true' } } : {}) },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  });
}

function appsFile(root: string, namespace: string, repoURL: string): string {
  const file = path.join(root, 'apps.yaml');
  fs.writeFileSync(file, dump({
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace, labels: { team: 'a' } },
    spec: {
      source: { repoURL, targetRevision: 'main', path: 'apps/web' },
      destination: { namespace },
      syncPolicy: { automated: { prune: true }, pollInterval: '2s', rollback: { enabled: true, healthTimeout: '30s' } },
    },
  }));
  return file;
}

const controllerEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  BERTH_NOTIFICATION_ALLOW_PRIVATE: 'true', BERTH_NOTIFICATION_ALLOW_HTTP: 'true', BERTH_API_READ_TOKENS: readToken, BERTH_API_ADMIN_TOKENS: adminToken,
  BERTH_CONSOLE_URL: 'https://berth.example.com/console', ...extra,
});

const dataOf = (request: ReceivedRequest): Record<string, unknown> => request.event?.data ?? {};

/** The 2xx deliveries of `type` for `revision`. */
const deliveredOf = (receiver: Receiver, type: string, revision: string): ReceivedRequest[] =>
  receiver.delivered().filter((request) => eventTypeOf(request) === type && request.event?.subject === revision);

const arrives = (receiver: Receiver, controller: ControllerProcess, type: string, revision: string, timeoutMs = 90_000): Promise<ReceivedRequest> =>
  controller.explain(eventually(`${type} of ${revision.slice(0, 7)} to be delivered`, () => Promise.resolve(deliveredOf(receiver, type, revision)[0]), { timeoutMs }));

async function setUp(t: TestContext, name: string): Promise<Awaited<ReturnType<typeof integrationSetUp>> & { receiver: Receiver }> {
  const setup = await integrationSetUp(t, name);
  await installNotificationCrds(setup.rest);
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  await createWebhookProvider(setup.rest, setup.namespace, 'hook', receiver.url, hmacKey);
  return { ...setup, receiver };
}

describe('notifications from the controller', () => {
  it('tells a good commit as Synced then Healthy and a failing one as Degraded then RolledBack, signed, retried after Retry-After, with no secret', { timeout: 300_000 }, async (t) => {
    const { namespace, root, repository, repoURL, receiver } = await setUp(t, 'notify-e2e');
    // The first request (SyncStarted of the first commit) is answered 429 with Retry-After: 3.
    receiver.setMode({ kind: 'status', status: 429, retryAfterSeconds: 3, times: 1 });
    const good = await commitFiles(repository, { 'apps/web/deployment.yaml': deployment(namespace, 'registry.example/web:1') }, 'ship web 1');
    const controller = startControllerProcess({ appsFile: appsFile(root, namespace, repoURL), env: controllerEnv() });
    t.after(async () => { await controller.stop(); });

    const synced = await arrives(receiver, controller, 'Synced', good);
    const healthy = await arrives(receiver, controller, 'Healthy', good);
    assert.ok(synced.at <= healthy.at, 'Synced is delivered before Healthy');
    assert.deepEqual(dataOf(synced)['commit'], { subject: 'ship web 1', author: 'Berth Test' });
    assert.equal(dataOf(synced)['consoleUrl'], `https://berth.example.com/console/applications/${namespace}/web`);

    // The request answered 429 (whichever event it carried) was retried, no sooner than its Retry-After.
    const refused = receiver.requests.find((request) => request.answered === 429);
    assert.ok(refused, 'one request was answered 429');
    const retried = await controller.explain(eventually('the 429 to be retried', () =>
      Promise.resolve(receiver.delivered().find((request) => request.event?.id === refused.event?.id)), { timeoutMs: 60_000 }));
    assert.ok(retried.at - refused.at >= 3_000, `retried after ${retried.at - refused.at} ms, Retry-After was 3 s`);

    // Signed with the provider's HMAC key, which itself appears nowhere.
    assert.equal(synced.headers['x-berth-signature'], `sha256=${createHmac('sha256', hmacKey).update(synced.body).digest('hex')}`);

    const broken = await commitFiles(repository, { 'apps/web/deployment.yaml': deployment(namespace, 'registry.example/web:2', true) }, 'ship web 2 (never ready)');
    const degraded = await arrives(receiver, controller, 'Degraded', broken, 120_000);
    const rolledBack = await arrives(receiver, controller, 'RolledBack', broken, 120_000);
    assert.ok(degraded.at <= rolledBack.at, 'Degraded is delivered before RolledBack');
    assert.equal(dataOf(rolledBack)['previousRevision'], good, 'RolledBack names the revision it returned to');
    assert.deepEqual(dataOf(rolledBack)['object'], { kind: 'Deployment', namespace, name: 'web' });
    // The rollback's own sync is not told as a Synced of the good commit a second time.
    assert.equal(deliveredOf(receiver, 'Synced', good).length, 1);
    assert.equal(deliveredOf(receiver, 'Synced', broken).length, 1);

    // Every event once; the API lists the deliveries; no secret anywhere.
    const ids = receiver.delivered().map((request) => request.event?.id);
    assert.equal(new Set(ids).size, ids.length, `each event delivered once: ${ids.join(', ')}`);
    const base = await controller.baseUrl();
    const api = await fetch(`${base}/api/v1/namespaces/${namespace}/applications/web/notifications`, { headers: { authorization: `Bearer ${readToken}` } });
    assert.equal(api.status, 200);
    const listed = await api.json() as { deliveries: { type: string; result: string; provider: string }[] };
    assert.ok(listed.deliveries.some((entry) => entry.type === 'RolledBack' && entry.result === 'delivered' && entry.provider === `${namespace}/hook`), JSON.stringify(listed.deliveries.slice(0, 5)));
    assert.ok(listed.deliveries.some((entry) => entry.result === 'retry'));
    const everything = [fs.readFileSync(controller.logFile, 'utf8'), JSON.stringify(listed), ...receiver.requests.map((request) => request.body)].join('\n');
    assert.ok(!everything.includes(hmacKey), 'the HMAC key is in no log, message or API answer');
    assert.ok(!JSON.stringify(listed).includes(receiver.url), 'the webhook address (a credential) is not in the API answer');

    // `berth notifications test` sends a test message through the same provider.
    const before = receiver.requests.length;
    const cli = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(path.join(import.meta.dirname, '../../src/bin/berth'), ['notifications', 'test', `${namespace}/hook`, `--server=${base}`],
        { env: { ...process.env, BERTH_TOKEN: adminToken } }, (error, stdout) => { resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }); });
    });
    assert.equal(cli.code, 0, cli.stdout);
    assert.match(cli.stdout, new RegExp(`^${namespace}/hook: delivered \\(HTTP 200\\)`));
    assert.equal(receiver.requests.slice(before).filter((request) => request.event?.id?.startsWith(`test:${namespace}/hook:`)).length, 1);
    assert.ok(!cli.stdout.includes(receiver.url) && !cli.stdout.includes(hmacKey));
  });

  it('delivers exactly once when the controller is killed between the transition and its delivery', { timeout: 240_000 }, async (t) => {
    const { namespace, rest, root, repository, repoURL, receiver } = await setUp(t, 'notify-kill');
    const queuePrefix = uniqueName('berth-notify-kill');
    const commit = await commitFiles(repository, { 'apps/web/deployment.yaml': deployment(namespace, 'registry.example/web:1') }, 'ship');
    const file = appsFile(root, namespace, repoURL);
    // This replica reconciles and queues notifications but delivers none.
    const first = startControllerProcess({ appsFile: file, queuePrefix, env: controllerEnv({ BERTH_NOTIFICATION_CONCURRENCY: '0' }) });
    t.after(async () => { await first.stop(); });
    await first.explain(eventually('the commit to be Healthy', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Healthy' && record.state.revision === commit ? record : undefined;
    }, { timeoutMs: 90_000 }));
    assert.equal(receiver.requests.length, 0, 'nothing was delivered yet');
    await first.stop('SIGKILL');

    const second = startControllerProcess({ appsFile: file, queuePrefix, env: controllerEnv() });
    t.after(async () => { await second.stop(); });
    for (const type of ['SyncStarted', 'Synced', 'Healthy']) await arrives(receiver, second, type, commit);
    // The restarted controller reconciles on (a next commit is told too), and the first commit's events stay sent once.
    const next = await commitFiles(repository, { 'apps/web/deployment.yaml': deployment(namespace, 'registry.example/web:2') }, 'ship 2');
    await arrives(receiver, second, 'Healthy', next);
    for (const type of ['SyncStarted', 'Synced', 'Healthy']) assert.equal(deliveredOf(receiver, type, commit).length, 1, `${type} delivered once`);
    const firstCommitRequests = receiver.requests.filter((request) => request.event?.subject === commit);
    assert.equal(firstCommitRequests.length, 3, firstCommitRequests.map(eventTypeOf).join(', '));
  });

  it('keeps reconciling on time while the receiver hangs', { timeout: 240_000 }, async (t) => {
    const { namespace, rest, root, repository, repoURL, receiver } = await setUp(t, 'notify-hang');
    receiver.setMode({ kind: 'hang' });
    const first = await commitFiles(repository, { 'apps/web/deployment.yaml': deployment(namespace, 'registry.example/web:1') }, 'one');
    const controller = startControllerProcess({ appsFile: appsFile(root, namespace, repoURL), env: controllerEnv() });
    t.after(async () => { await controller.stop(); });
    const settledOn = (revision: string) => async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Healthy' && record.state.revision === revision ? record : undefined;
    };
    await controller.explain(eventually('the first commit to be Healthy', settledOn(first), { timeoutMs: 90_000 }));
    await eventually('the receiver to hold a request', () => Promise.resolve(receiver.requests.length > 0 ? true : undefined), { timeoutMs: 30_000 });

    const second = await commitFiles(repository, { 'apps/web/deployment.yaml': deployment(namespace, 'registry.example/web:2') }, 'two');
    const committedAt = Date.now();
    await controller.explain(eventually('the second commit to be Healthy', settledOn(second), { timeoutMs: 60_000 }));
    const took = Date.now() - committedAt;
    // A poll every 2 s and a rollout of one replica: well inside 30 s unless something waits on the receiver.
    assert.ok(took < 30_000, `the next commit took ${took} ms with a hanging receiver`);
    assert.ok(receiver.delivered().length === 0, 'no request was answered: every delivery hung or timed out');
  });

  it('drops a notification whose retries ran out, with a metric, and lists it as dropped', { timeout: 240_000 }, async (t) => {
    const { namespace, root, repository, repoURL, receiver } = await setUp(t, 'notify-drop');
    receiver.setMode({ kind: 'status', status: 503, times: 1_000 });
    const commit = await commitFiles(repository, { 'apps/web/deployment.yaml': deployment(namespace, 'registry.example/web:1') }, 'ship');
    const controller = startControllerProcess({ appsFile: appsFile(root, namespace, repoURL), env: controllerEnv({ BERTH_NOTIFICATION_ATTEMPTS: '2' }) });
    t.after(async () => { await controller.stop(); });
    const base = await controller.baseUrl();
    const deliveries = async (): Promise<{ type: string; result: string; reason?: string }[]> => {
      const answer = await fetch(`${base}/api/v1/namespaces/${namespace}/applications/web/notifications`, { headers: { authorization: `Bearer ${readToken}` } });
      return (await answer.json() as { deliveries: { type: string; result: string; reason?: string }[] }).deliveries;
    };
    const dropped = await controller.explain(eventually('Healthy to be dropped after 2 attempts', async () =>
      (await deliveries()).find((entry) => entry.type === 'Healthy' && entry.result === 'dropped'), { timeoutMs: 120_000 }));
    assert.match(dropped.reason ?? '', /retries ran out: .*HTTP 503/);
    assert.equal(receiver.requests.filter((request) => eventTypeOf(request) === 'Healthy' && request.event?.subject === commit).length, 2, 'two attempts, then no more');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /berth_notifications_dropped_total\{provider_type="webhook",event="Healthy"\} 1/);
    assert.match(metrics, /berth_notification_attempts_total\{provider_type="webhook",event="Healthy",result="retry"\} 2/);
    assert.ok(!metrics.includes(receiver.url) && !metrics.includes(hmacKey), 'no address or key in the metrics');
  });

  it('reads a tenant provider\'s Secret as the Application\'s ServiceAccount: one that may not read it sends nothing (abuse)', { timeout: 240_000 }, async (t) => {
    const { namespace, root, repository, repoURL, receiver } = await setUp(t, 'notify-sa');
    await commitFiles(repository, { 'apps/web/deployment.yaml': deployment(namespace, 'registry.example/web:1') }, 'ship');
    const file = appsFile(root, namespace, repoURL);
    // The same Application, acting as a ServiceAccount that RBAC grants nothing.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('  destination:', '  serviceAccountName: deployer\n  destination:'));
    const controller = startControllerProcess({ appsFile: file, env: controllerEnv() });
    t.after(async () => { await controller.stop(); });
    const base = await controller.baseUrl();
    const refused = await controller.explain(eventually('a delivery refused for the Secret', async () => {
      const answer = await fetch(`${base}/api/v1/namespaces/${namespace}/applications/web/notifications`, { headers: { authorization: `Bearer ${readToken}` } });
      const { deliveries } = await answer.json() as { deliveries: { result: string; reason?: string }[] };
      return deliveries.find((entry) => entry.result === 'dropped');
    }, { timeoutMs: 120_000 }));
    assert.match(refused.reason ?? '', new RegExp(`Secret ${namespace}/hook-secret: system:serviceaccount:${namespace}:deployer may not read it`));
    assert.equal(receiver.requests.length, 0, 'nothing was sent with a Secret the Application may not read');
  });

  it('puts a Warning Event on an Application in the cluster when its notification is dropped', { timeout: 240_000 }, async (t) => {
    const { namespace, rest, repository, repoURL, receiver } = await setUp(t, 'notify-event');
    await installApplicationCrd(rest);
    receiver.setMode({ kind: 'status', status: 500, times: 1_000 });
    await commitFiles(repository, { 'apps/web/deployment.yaml': deployment(namespace, 'registry.example/web:1') }, 'ship');
    await rest.request('POST', `/apis/berth.dev/v1alpha1/namespaces/${namespace}/applications`, {
      body: {
        apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
        spec: { source: { repoURL, targetRevision: 'main', path: 'apps/web' }, destination: { namespace }, syncPolicy: { automated: { prune: true }, pollInterval: '5s' } },
      },
    });
    const controller = startControllerProcess({ watchCluster: true, namespaces: [namespace], env: controllerEnv({ BERTH_NOTIFICATION_ATTEMPTS: '1' }) });
    t.after(async () => { await controller.stop(); });
    const event = await controller.explain(eventually('a NotificationDropped Event on the Application', async () => {
      const { body } = await rest.request('GET', `/api/v1/namespaces/${namespace}/events`, { query: { fieldSelector: 'involvedObject.kind=Application,involvedObject.name=web' } });
      return (body as { items: { type: string; reason: string; message: string }[] }).items.find((item) => item.reason === 'NotificationDropped');
    }, { timeoutMs: 120_000 }));
    assert.equal(event.type, 'Warning');
    assert.match(event.message, new RegExp(`to NotificationProvider ${namespace}/hook dropped after 1 attempt: .*HTTP 500`));
    assert.ok(!event.message.includes(receiver.url) && !event.message.includes(hmacKey), 'no address or key in the Event');
  });
});
