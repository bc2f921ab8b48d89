/**
 * Redis behind Sentinel (issue 20): two controllers reach a primary through
 * three sentinels; the primary is killed with SIGKILL mid-run. The sentinels
 * promote the replica, the controllers follow it by themselves, a trigger
 * queued before the kill is still deployed, polling resumes, /readyz says
 * Redis was gone while it was and recovers, and no Application is reconciled
 * by both controllers at once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { resolveQueueOptions } from '../../src/queue/options.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles, createRepository } from '../harness/git-repositories.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { startSentinelGroup } from '../harness/redis-sentinel.ts';
import { startControllerProcess, type ControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, controllerStarted, readConfigMapValue, writeApplicationsFile } from '../controller/replica-fixtures.ts';

interface Interval { app: string; start: number; end: number }

/** Each reconcile of the controller, from its start to its result (reconciles cut off without a result are left out). */
function reconcileIntervals(controller: ControllerProcess): Interval[] {
  const open = new Map<string, number>();
  const intervals: Interval[] = [];
  for (const line of controller.logLines()) {
    const app = String(line.app);
    const at = Date.parse(String(line.time));
    if (line.msg === 'reconcile started') open.set(app, at);
    if (line.msg === 'reconciled' && open.has(app)) {
      intervals.push({ app, start: open.get(app) ?? at, end: at });
      open.delete(app);
    }
  }
  return intervals;
}

describe('Redis behind Sentinel', () => {
  it('fails over under two running controllers: nothing queued is lost, polling resumes, /readyz tells', { timeout: 180_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'redis-failover');
    const redisRoot = path.join(root, 'sentinel');
    fs.mkdirSync(redisRoot);
    const group = await startSentinelGroup(t, redisRoot);

    // `held` moves only by the queued trigger (its own repository, polled every 10 minutes); `polled` only by polling.
    const heldRepository = await createRepository(root, 'held');
    await commitFiles(heldRepository, { 'apps/held/config.yaml': configMapYaml(namespace, 'held-settings', 'before') }, 'before');
    await commitFiles(repository, { 'apps/polled/config.yaml': configMapYaml(namespace, 'polled-settings', 'before') }, 'before');
    const appsFile = writeApplicationsFile(root, [
      { name: 'held', namespace, repoURL: server.url('held'), path: 'apps/held', pollInterval: '10m' },
      { name: 'polled', namespace, repoURL: server.url('deploy'), path: 'apps/polled', pollInterval: '3s' },
    ]);
    const prefix = uniqueName('berth-sentinel');
    const controllers = [0, 1].map(() => startControllerProcess({ appsFile, queuePrefix: prefix, redisUrl: group.url }));
    t.after(async () => { await Promise.all(controllers.map((controller) => controller.stop('SIGKILL'))); });
    await Promise.all(controllers.map((controller) => controllerStarted(controller)));
    const [first] = controllers;
    assert.ok(first !== undefined);
    const valueOf = (name: string): Promise<string | undefined> => readConfigMapValue(rest, namespace, `${name}-settings`);
    for (const name of ['held', 'polled']) {
      await first.explain(eventually(`${name} to be deployed through the sentinels' primary`, async () => await valueOf(name) === 'before' ? true : undefined, { timeoutMs: 60_000 }));
    }

    // A trigger queued (delayed) before the kill, and known to the replica when the primary dies.
    const during = await commitFiles(heldRepository, { 'apps/held/config.yaml': configMapYaml(namespace, 'held-settings', 'queued') }, 'queued');
    const queue = new ReconcileQueue(resolveQueueOptions({ redisUrl: group.url, prefix, reconnect: { baseDelayMs: 50, maxDelayMs: 500 } }));
    t.after(() => queue.close());
    await queue.enqueue({ app: `${namespace}/held`, reason: 'webhook', revision: during }, { delayMs: 6_000 });
    const primary = new Redis({ port: group.primaryPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    primary.on('error', () => undefined);
    assert.equal(await primary.call('WAIT', '1', '5000'), 1, 'the replica did not acknowledge the queued trigger');
    primary.disconnect();

    // /readyz of one controller, sampled through the failover.
    const base = await first.baseUrl();
    const readiness: { status: number; message: string }[] = [];
    const sampling = { on: true };
    const sampler = (async () => {
      while (sampling.on) {
        const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
        if (response) readiness.push({ status: response.status, message: ((await response.json()) as { message?: string }).message ?? '' });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    t.after(async () => { sampling.on = false; await sampler; });

    const killedPort = await group.killPrimary();
    assert.equal(killedPort, group.primaryPort);
    await commitFiles(repository, { 'apps/polled/config.yaml': configMapYaml(namespace, 'polled-settings', 'after') }, 'after failover');
    await eventually('the sentinels to promote the replica', async () => await group.currentPrimaryPort() === group.replicaPort ? true : undefined, { timeoutMs: 30_000, intervalMs: 200 });

    await first.explain(eventually('the trigger queued before the kill to be deployed', async () => await valueOf('held') === 'queued' ? true : undefined, { timeoutMs: 60_000 }));
    await first.explain(eventually('polling to deploy a commit made after the kill', async () => await valueOf('polled') === 'after' ? true : undefined, { timeoutMs: 60_000 }));
    await eventually('/readyz to be ready again', () => Promise.resolve(readiness.at(-1)?.status === 200 ? true : undefined), { timeoutMs: 30_000 });
    sampling.on = false;
    await sampler;

    const outage = readiness.filter((sample) => sample.status === 503);
    assert.ok(outage.length > 0, `/readyz never reported the outage (${readiness.length} samples)`);
    assert.ok(outage.every((sample) => /redis/i.test(sample.message)), `an outage sample does not name Redis: ${outage.map((s) => s.message).join(' | ')}`);
    assert.ok(controllers.every((controller) => controller.child.exitCode === null), 'a controller exited during the failover');

    // Both controllers' reconciles of one Application never overlap in time.
    const [a, b] = controllers.map(reconcileIntervals);
    for (const x of a ?? []) {
      const overlapping = (b ?? []).find((y) => y.app === x.app && y.start < x.end && x.start < y.end);
      assert.equal(overlapping, undefined, `${x.app} was reconciled by both controllers at once (${new Date(x.start).toISOString()}–${new Date(x.end).toISOString()})`);
    }
    assert.ok((a?.length ?? 0) + (b?.length ?? 0) >= 4, 'too few reconciles to judge overlap');
  });
});
