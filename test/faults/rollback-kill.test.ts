/**
 * A controller killed with SIGKILL in the middle of a rollback. A commit whose
 * pods never become Ready fails its rollout; the controller rolls back to the
 * last healthy commit, and that sync stops at its PreSync hook, which the test
 * holds. The controller is killed there. Another controller recovers the job
 * once its lock expires and finishes the rollback: the release record ends
 * Healthy at the last healthy commit, with the failed one marked and in history.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { resolveQueueOptions } from '../../src/queue/options.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { redisUrl, uniqueName } from '../harness/env.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { neverReadyAnnotation } from '../harness/kwok.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { startControllerProcess, type ControllerProcess } from '../controller/controller-process.ts';
import { controllerStarted, readRelease } from '../controller/replica-fixtures.ts';
import { completeHook, hookPodYaml, isAlive, podState } from './fault-fixtures.ts';

function deploymentYaml(namespace: string, image: string, neverReady: boolean): string {
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

describe('a controller killed in the middle of a rollback', () => {
  it('leaves the rollback to another controller, which ends it at the last healthy commit', { timeout: 150_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'rollback-kill');
    const good = await commitFiles(repository, {
      'apps/web/presync.yaml': hookPodYaml(namespace),
      'apps/web/deployment.yaml': deploymentYaml(namespace, 'registry.example/web:1', false),
    }, 'good');
    const appsFile = `${root}/apps.yaml`;
    fs.writeFileSync(appsFile, dump({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
      spec: {
        source: { repoURL: server.url('deploy'), targetRevision: 'main', path: 'apps/web' },
        destination: { namespace },
        syncPolicy: { automated: { prune: true }, pollInterval: '10m', rollback: { enabled: true, healthTimeout: '60s' } },
      },
    }));
    const prefix = uniqueName('berth-rollback-kill');
    cleanUpPrefix(t, prefix);
    const queue = new ReconcileQueue(resolveQueueOptions({ redisUrl: redisUrl(), prefix }));
    t.after(() => queue.close());
    const recovery = { stalledIntervalMs: 4_000, lockDurationMs: 4_000 };

    // Hook runs, in order: the good commit's sync, the broken commit's, the rollback's (held), the recovered rollback's.
    const runs: string[] = [];
    let killed = false;
    const first = startControllerProcess({ appsFile, queuePrefix: prefix, recovery });
    t.after(async () => { await first.stop('SIGKILL'); });
    const later: { second?: ControllerProcess } = {};
    t.after(async () => { await later.second?.stop('SIGKILL'); });
    const loop = { running: true };
    const hooks = (async () => {
      while (loop.running) {
        const pod = await podState(rest, namespace, 'presync').catch(() => undefined);
        if (pod && !pod.deleting && pod.phase !== 'Succeeded') {
          if (!runs.includes(pod.uid)) runs.push(pod.uid);
          const held = runs.indexOf(pod.uid) === 2 && !killed;
          if (!held) await completeHook(rest, namespace, 'presync').catch(() => undefined);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    t.after(async () => { loop.running = false; await hooks; });

    await first.explain(eventually('the good commit to be Healthy', async () => {
      const release = await readRelease(rest, namespace, 'web');
      return release?.state.status === 'Healthy' && release.state.revision === good ? true : undefined;
    }, { timeoutMs: 60_000 }));
    const broken = await commitFiles(repository, { 'apps/web/deployment.yaml': deploymentYaml(namespace, 'registry.example/web:2', true) }, 'broken');
    await queue.enqueue({ app: `${namespace}/web`, reason: 'webhook', revision: broken });

    // The third run of the hook is the rollback's: the broken commit failed its rollout.
    await first.explain(eventually('the rollback to reach its PreSync hook', () => Promise.resolve(runs.length >= 3 ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 }));
    const atKill = await readRelease(rest, namespace, 'web');
    assert.equal(atKill?.state.revision, broken, 'the hook held was not the rollback\'s');
    first.child.kill('SIGKILL');
    killed = true;
    const killedAt = Date.now();
    t.diagnostic(`killed in the rollback's hook; record then: ${atKill.state.status} at ${broken.slice(0, 8)}`);

    const controller = startControllerProcess({ appsFile, queuePrefix: prefix, recovery });
    later.second = controller;
    await controllerStarted(controller);
    const record = await controller.explain(eventually('the rollback to end Healthy at the good commit', async () => {
      const release = await readRelease(rest, namespace, 'web');
      return release?.state.status === 'Healthy' && release.state.revision === good && release.state.failedRevision === broken ? release : undefined;
    }, { timeoutMs: 90_000, intervalMs: 500 }));
    t.diagnostic(`rollback finished ${Date.now() - killedAt} ms after the kill; hook runs: ${runs.length}`);

    assert.equal(record.state.lastHealthyRevision, good);
    assert.equal(record.appliedRevision, good);
    const summary = record.history.map((entry) => `${entry.initiator}:${entry.revision.slice(0, 7)}:${entry.phase}`).join(', ');
    assert.ok(record.history.some((entry) => entry.revision === broken && entry.phase === 'Failed'), summary);
    assert.ok(record.history.some((entry) => entry.initiator === 'rollback' && entry.revision === good && entry.phase === 'Succeeded'), summary);
    const { body } = await rest.request('GET', `/apis/apps/v1/namespaces/${namespace}/deployments/web`);
    const template = (body as { spec: { template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { image: string }[] } } } }).spec.template;
    assert.equal(template.spec.containers[0]?.image, 'registry.example/web:1');
    assert.equal(template.metadata.annotations?.[neverReadyAnnotation], undefined);
    assert.ok(controller.logLines().some((line) => line.msg === 'reconcile job recovered from a worker that stopped'), 'the second controller never recovered the job');
    assert.ok(isAlive(controller));
  });
});
