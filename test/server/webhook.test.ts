/**
 * The webhook route end to end: a real controller process, a real Git server,
 * Redis and control plane. A signed GitHub push deploys the pushed commit
 * without waiting for a poll; a forged one queues nothing; a redelivery of the
 * same delivery id queues once. The status API then tells the same story from
 * Redis.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { resolveQueueOptions } from '../../src/queue/options.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { redisUrl, uniqueName } from '../harness/env.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, readConfigMapValue, readRelease, writeApplicationsFile } from '../controller/replica-fixtures.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { githubHeaders, githubPushBody } from './github-delivery.ts';

const secret = 'e2e-webhook-secret';
const adminToken = 'e2e-admin-token';

describe('webhook deliveries, end to end', () => {
  it('deploys a signed push at once, refuses a forged one, and queues a redelivery once', { timeout: 180_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'webhook');
    const first = await commitFiles(repository, { 'apps/web/config.yaml': configMapYaml(namespace, 'web', 'v1') }, 'first');

    // Polling once an hour: only the webhook can bring the next commit in time.
    const appsFile = writeApplicationsFile(root, [{ name: 'web', namespace, repoURL: server.url('deploy'), path: 'apps/web', pollInterval: '1h' }]);
    const prefix = uniqueName('berth-webhook');
    cleanUpPrefix(t, prefix);
    const controller = startControllerProcess({ appsFile, queuePrefix: prefix, env: { BERTH_WEBHOOK_SECRET_GITHUB: secret, BERTH_API_ADMIN_TOKENS: adminToken } });
    t.after(async () => { await controller.stop(); });
    const queue = new ReconcileQueue(resolveQueueOptions({ redisUrl: redisUrl(), prefix }));
    t.after(async () => { await queue.close(); });
    const webhookJobs = async (): Promise<number> => (await queue.queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed'], 0, -1))
      .filter((job) => job.data.reason === 'webhook').length;

    const healthyAt = (revision: string) => async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Healthy' && record.state.revision === revision ? record : undefined;
    };
    await controller.explain(eventually('web to be Healthy at the first commit', healthyAt(first), { timeoutMs: 60_000 }));
    const base = await controller.baseUrl();
    const second = await commitFiles(repository, { 'apps/web/config.yaml': configMapYaml(namespace, 'web', 'v2') }, 'second');
    const body = githubPushBody({ repoURL: server.url('deploy'), before: first, after: second, paths: ['apps/web/config.yaml'] });
    const deliver = (headers: Record<string, string>): Promise<Response> => fetch(`${base}/api/v1/webhooks/github`, { method: 'POST', headers, body });

    const forged = await deliver(githubHeaders(body, 'wrong-secret', { deliveryId: 'forged-1' }));
    assert.equal(forged.status, 401);
    assert.equal(forged.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    await sleep(1_000);
    assert.equal(await webhookJobs(), 0, 'a forged delivery queues nothing');
    assert.equal((await readRelease(rest, namespace, 'web'))?.state.revision, first);

    const headers = githubHeaders(body, secret, { deliveryId: 'delivery-e2e-1' });
    const accepted = await deliver(headers);
    assert.equal(accepted.status, 202);
    assert.deepEqual((await accepted.json() as { queued: { app: string; revision: string }[] }).queued.map(({ app, revision }) => [app, revision]), [[`${namespace}/web`, second]]);
    await controller.explain(eventually('web to be Healthy at the pushed commit', healthyAt(second), { timeoutMs: 60_000 }));
    assert.equal(await readConfigMapValue(rest, namespace, 'web'), 'v2');

    const redelivered = await deliver(headers);
    assert.equal(redelivered.status, 202);
    assert.equal((await redelivered.json() as { duplicate?: boolean }).duplicate, true);
    assert.equal(await webhookJobs(), 1, 'the redelivery queued nothing');

    // The API reads what the reconcile stored in Redis.
    const detail = await controller.explain(eventually('the API to report the pushed commit', async () => {
      const response = await fetch(`${base}/api/v1/namespaces/${namespace}/applications/web`, { headers: { authorization: `Bearer ${adminToken}` } });
      const app = await response.json() as { sync: string; revision: string; health: string };
      return app.revision === second && app.sync === 'Synced' ? app : undefined;
    }, { timeoutMs: 30_000 }));
    assert.equal(detail.health, 'Healthy');
    const drift = await (await fetch(`${base}/api/v1/namespaces/${namespace}/applications/web/drift`, { headers: { authorization: `Bearer ${adminToken}` } })).json() as { status: string; revision: string; objects: { name: string; status: string }[] };
    assert.equal(drift.status, 'Synced');
    assert.equal(drift.revision, second);
    assert.deepEqual(drift.objects.map((object) => [object.name, object.status]), [['web', 'Synced']]);
  });
});
