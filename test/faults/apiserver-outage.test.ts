/**
 * The Kubernetes API server stopped for 30 s in the middle of a sync (a PreSync
 * hook is running, nothing else is applied yet), then started again on the same
 * port and data. The controller must stay up, say in its log that it is
 * retrying, and finish the sync once the API server is back: the Application
 * ends Healthy at its commit. A private control plane, since this one's API
 * server goes away.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, readConfigMapValue, readRelease, reconciledLines, writeApplicationsFile } from '../controller/replica-fixtures.ts';
import {
  completeHook, createNamespace, errorText, hookPodYaml, isAlive, logLinesSince, podState, privateControlPlane, removeAfter, restClientFor,
} from './fault-fixtures.ts';

const outageMs = 30_000;

describe('the API server stopped in the middle of a sync', () => {
  it('is waited out: the controller retries and finishes the sync once it is back', { timeout: 180_000 }, async (t) => {
    const plane = await privateControlPlane(t);
    const rest = await restClientFor(t, plane.kubeconfigPath);
    const namespace = await createNamespace(rest, 'apiserver-outage');
    const root = await tempDir('apiserver-outage-git-');
    removeAfter(t, root);
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(() => server.close());
    const commit = await commitFiles(repository, {
      'apps/slow/presync.yaml': hookPodYaml(namespace),
      'apps/slow/config.yaml': configMapYaml(namespace, 'slow-settings', 'synced'),
    }, 'slow');
    const appsFile = writeApplicationsFile(root, [{ name: 'slow', namespace, repoURL: server.url('deploy'), path: 'apps/slow', pollInterval: '10m' }]);

    const controller = startControllerProcess({
      appsFile, kubeconfig: plane.kubeconfigPath, redisUrl: plane.redisUrl, queuePrefix: uniqueName('berth-apiserver'),
      recovery: { stalledIntervalMs: 5_000, lockDurationMs: 10_000 },
    });
    t.after(async () => { await controller.stop('SIGKILL'); });
    const hook = await controller.explain(eventually('the controller to start the PreSync hook', () => podState(rest, namespace, 'presync'), { timeoutMs: 60_000 }));
    assert.equal(await readConfigMapValue(rest, namespace, 'slow-settings'), undefined, 'the sync went past its hook before the outage');

    const stoppedAt = Date.now();
    await plane.stopComponent('kube-apiserver');
    await sleep(outageMs);
    const restartedAt = Date.now();
    const during = logLinesSince(controller, stoppedAt).filter((line) => Date.parse(String(line.time)) < restartedAt);
    await plane.startComponent('kube-apiserver');
    t.diagnostic(`API server down ${restartedAt - stoppedAt} ms; ${during.length} controller log lines meanwhile`);

    // The controller lived through the outage and said it was retrying.
    assert.ok(isAlive(controller), 'the controller exited during the outage');
    const retrying = during.filter((line) => /retry/i.test(String(line.msg)) || /retry/i.test(errorText(line)));
    assert.ok(retrying.length > 0, `no log line said the controller was retrying; lines during the outage: ${during.map((line) => `${String(line.msg)}: ${errorText(line)}`).join(' | ').slice(0, 2_000)}`);

    // The sync goes on: whichever run of the hook is there now is completed by the test.
    const record = await controller.explain(eventually('the Application to be Healthy at its commit', async () => {
      const pod = await podState(rest, namespace, 'presync');
      if (pod && !pod.deleting && pod.phase !== 'Succeeded') await completeHook(rest, namespace, 'presync');
      const release = await readRelease(rest, namespace, 'slow');
      return release?.state.status === 'Healthy' && release.state.revision === commit ? release : undefined;
    }, { timeoutMs: 90_000, intervalMs: 500 }));
    t.diagnostic(`Healthy ${Date.now() - restartedAt} ms after the API server came back; first hook run ${hook.uid}`);
    const timeline = logLinesSince(controller, stoppedAt).map((line) => `+${Date.parse(String(line.time)) - stoppedAt}ms ${String(line.msg)}`);
    t.diagnostic(`controller log since the stop: ${timeline.join(' | ').slice(0, 3_000)}`);

    assert.equal(record.appliedRevision, commit);
    assert.equal(await readConfigMapValue(rest, namespace, 'slow-settings'), 'synced');
    assert.ok(isAlive(controller), 'the controller exited after the outage');
    // The record is saved just before the reconcile logs its end.
    await controller.explain(eventually('the reconcile to log its end', () => Promise.resolve(
      reconciledLines(controller).some((line) => line.app === `${namespace}/slow` && line.revision === commit && line.state === 'Healthy') ? true : undefined), { timeoutMs: 10_000 }));
    // Nothing was given up: a job whose every attempt failed during the outage was followed by a new one.
    const lines = logLinesSince(controller, stoppedAt);
    const exhausted = lines.filter((line) => line.msg === 'reconcile failed').length;
    const followedUp = lines.filter((line) => /retrying in a new job/.test(String(line.msg))).length;
    t.diagnostic(`${exhausted} job(s) ran out of attempts during the outage, ${followedUp} follow-up(s)`);
    assert.equal(followedUp, exhausted, 'a job that ran out of attempts had no follow-up');
  });
});
