/**
 * A Git server that goes wrong after an Application was deployed from it: it
 * stops, it stalls in the middle of a pack, or it answers with garbage. A new
 * commit that changes one ConfigMap and deletes the other is announced by a
 * webhook while the fault lasts. Each time the controller stays up, says what
 * failed naming the repository, and leaves the last good state deployed:
 * nothing applied, nothing pruned, the release record still at the old commit.
 * A branch force-pushed to an unrelated history is refused the same way unless
 * a person asks for the sync; one whose last commit was amended is deployed.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { resolveQueueOptions } from '../../src/queue/options.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import { redisUrl, testKubeConfig, testNamespace, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { commitFiles, createRepository, git, startGitServer, tempDir, type TestRepository } from '../harness/git-repositories.ts';
import { startControllerProcess, type ControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, readConfigMapValue, readRelease, writeApplicationsFile } from '../controller/replica-fixtures.ts';
import { errorText, isAlive, logged, logLinesSince, removeAfter } from './fault-fixtures.ts';
import { startFaultyGitProxy, type FaultyGitProxy, type GitFault } from './faulty-git-proxy.ts';

interface Deployed {
  rest: RestClient;
  namespace: string;
  repository: TestRepository;
  proxy: FaultyGitProxy;
  controller: ControllerProcess;
  queue: ReconcileQueue;
  good: string;
  repoURL: string;
}

/** An Application with two ConfigMaps, deployed through the proxy by a controller of its own. */
async function deployGoodState(t: TestContext, label: string): Promise<Deployed> {
  const namespace = await testNamespace(t, label);
  const rest = await createRestClient(testKubeConfig());
  t.after(() => { rest.close(); });
  const root = await tempDir(`${label}-git-`);
  removeAfter(t, root);
  const repository = await createRepository(root, 'deploy');
  const server = await startGitServer(root);
  t.after(() => server.close());
  const proxy = await startFaultyGitProxy(server.url('deploy'));
  t.after(() => proxy.close());
  const good = await commitFiles(repository, {
    'apps/web/settings.yaml': configMapYaml(namespace, 'settings', 'good'),
    'apps/web/keep.yaml': configMapYaml(namespace, 'keep', 'kept'),
  }, 'good');
  const repoURL = proxy.url('deploy');
  const appsFile = writeApplicationsFile(root, [{ name: 'web', namespace, repoURL, path: 'apps/web', pollInterval: '10m' }]);
  const prefix = uniqueName('berth-git-fault');
  cleanUpPrefix(t, prefix);
  const controller = startControllerProcess({ appsFile, queuePrefix: prefix });
  t.after(async () => { await controller.stop('SIGKILL'); });
  const queue = new ReconcileQueue(resolveQueueOptions({ redisUrl: redisUrl(), prefix }));
  t.after(() => queue.close());
  await controller.explain(eventually('the good commit to be deployed', async () => {
    const release = await readRelease(rest, namespace, 'web');
    return release?.state.status === 'Healthy' && release.state.revision === good ? true : undefined;
  }, { timeoutMs: 60_000 }));
  return { rest, namespace, repository, proxy, controller, queue, good, repoURL };
}

/** Announces a commit that would change `settings` and prune `keep`, with the server in `fault`; returns the error line. */
async function announceDuringFault(t: TestContext, deployed: Deployed, fault: GitFault, timeoutMs: number): Promise<Record<string, unknown>> {
  const { repository, proxy, controller, queue, namespace } = deployed;
  const next = await commitFiles(repository, {
    'apps/web/settings.yaml': configMapYaml(namespace, 'settings', 'next'),
    'apps/web/keep.yaml': null,
  }, 'next');
  await proxy.setMode(fault);
  const sentAt = Date.now();
  await queue.enqueue({ app: `${namespace}/web`, reason: 'webhook', revision: next });
  const line = await logged(controller, `an error naming ${deployed.repoURL}`, sentAt,
    (entry) => Number(entry.level) >= 40 && errorText(entry).includes(deployed.repoURL), timeoutMs);
  t.diagnostic(`${fault}: "${String(line.msg)}": ${errorText(line).slice(0, 300)} (after ${Date.parse(String(line.time)) - sentAt} ms; ${proxy.hits[fault]} request(s) met the fault)`);
  return line;
}

/** Replaces the history of main with one unrelated commit that changes `settings` and drops `keep`; returns it. */
async function pushUnrelatedHistory(deployed: Deployed): Promise<string> {
  const { repository, namespace } = deployed;
  await git(repository.work, 'checkout', '-q', '--orphan', 'unrelated');
  await git(repository.work, 'rm', '-q', '-rf', '.');
  const unrelated = await commitFiles(repository, { 'apps/web/settings.yaml': configMapYaml(namespace, 'settings', 'unrelated') }, 'unrelated history');
  assert.equal(await git(repository.work, 'rev-list', '--count', 'HEAD'), '1');
  return unrelated;
}

/** The last good state is still what runs. */
async function assertGoodStateKept(deployed: Deployed): Promise<void> {
  const { rest, namespace, controller, good } = deployed;
  assert.ok(isAlive(controller), 'the controller exited');
  assert.equal(await readConfigMapValue(rest, namespace, 'settings'), 'good', 'the new commit was applied');
  assert.equal(await readConfigMapValue(rest, namespace, 'keep'), 'kept', 'an object of the last good state was pruned');
  const release = await readRelease(rest, namespace, 'web');
  assert.equal(release?.appliedRevision, good);
  assert.equal(release.state.revision, good);
  assert.ok(release.inventory.entries.some((entry) => entry.name === 'keep'), 'the inventory lost an object of the last good state');
}

describe('a Git server that fails after a deploy', () => {
  it('stopped: a retried error naming the repository; the last good state stays', { timeout: 90_000 }, async (t) => {
    const deployed = await deployGoodState(t, 'git-down');
    const line = await announceDuringFault(t, deployed, 'down', 30_000);
    assert.match(errorText(line), /ECONNREFUSED|fetch failed/i);
    await assertGoodStateKept(deployed);
  });

  it('answering garbage: a retried error naming the repository; the last good state stays', { timeout: 90_000 }, async (t) => {
    const deployed = await deployGoodState(t, 'git-garbage');
    await announceDuringFault(t, deployed, 'garbage', 30_000);
    assert.ok(deployed.proxy.hits.garbage > 0, 'no request met the garbage');
    await assertGoodStateKept(deployed);
  });

  it('force-pushed to an unrelated history: refused, naming both commits; the last good state stays', { timeout: 90_000 }, async (t) => {
    const deployed = await deployGoodState(t, 'git-force');
    const { namespace, rest, controller, queue, good } = deployed;
    const unrelated = await pushUnrelatedHistory(deployed);
    const sentAt = Date.now();
    await queue.enqueue({ app: `${namespace}/web`, reason: 'webhook', revision: unrelated });
    const line = await logged(controller, 'the refusal of the unrelated history', sentAt,
      (entry) => Number(entry.level) >= 40 && String(entry.msg).includes('shares no history'), 30_000);
    t.diagnostic(String(line.msg));
    for (const expected of [deployed.repoURL, good, unrelated, `berth sync ${namespace}/web`]) assert.ok(String(line.msg).includes(expected), `the log line does not name ${expected}`);
    const release = await controller.explain(eventually('the refusal in the release record', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.reason === 'RenderFailed' && record.state.message.includes(unrelated) ? record : undefined;
    }, { timeoutMs: 30_000 }));
    assert.ok(release.state.message.includes(good), release.state.message);
    assert.ok(isAlive(controller), 'the controller exited');
    assert.equal(await readConfigMapValue(rest, namespace, 'settings'), 'good', 'the unrelated commit was applied');
    assert.equal(await readConfigMapValue(rest, namespace, 'keep'), 'kept', 'an object of the last good state was pruned');
    assert.equal(release.appliedRevision, good);
    assert.ok(release.inventory.entries.some((entry) => entry.name === 'keep'), 'the inventory lost an object of the last good state');
    // Refused once, as invalid input: no retry loop (the next poll is 10 minutes away).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const refusals = logLinesSince(controller, sentAt).filter((entry) => Number(entry.level) >= 40 && String(entry.msg).includes('shares no history'));
    assert.equal(refusals.length, 1, 'the refused commit was tried again');
  });

  it('force-pushed with the last commit amended: deployed, since it shares history', { timeout: 90_000 }, async (t) => {
    const deployed = await deployGoodState(t, 'git-amend');
    const { repository, namespace, rest, controller, queue } = deployed;
    await commitFiles(repository, { 'apps/web/settings.yaml': configMapYaml(namespace, 'settings', 'next') }, 'next');
    await git(repository.work, 'commit', '-q', '--amend', '-m', 'next, amended');
    await git(repository.work, 'push', '-q', '--force', 'origin', 'HEAD:refs/heads/main');
    const amended = await git(repository.work, 'rev-parse', 'HEAD');
    await queue.enqueue({ app: `${namespace}/web`, reason: 'webhook', revision: amended });
    await controller.explain(eventually('the amended commit to be deployed', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Healthy' && record.appliedRevision === amended ? record : undefined;
    }, { timeoutMs: 30_000 }));
    assert.equal(await readConfigMapValue(rest, namespace, 'settings'), 'next');
    assert.equal(await readConfigMapValue(rest, namespace, 'keep'), 'kept');
  });

  it('force-pushed to an unrelated history: a manual sync deploys it, pruning what it dropped', { timeout: 90_000 }, async (t) => {
    const deployed = await deployGoodState(t, 'git-force-manual');
    const { namespace, rest, controller, queue, good } = deployed;
    const unrelated = await pushUnrelatedHistory(deployed);
    await queue.enqueue({ app: `${namespace}/web`, reason: 'manual', operation: { kind: 'sync' } });
    const release = await controller.explain(eventually('the unrelated commit to be deployed', async () => {
      const record = await readRelease(rest, namespace, 'web');
      return record?.state.status === 'Healthy' && record.appliedRevision === unrelated ? record : undefined;
    }, { timeoutMs: 30_000 }));
    assert.ok(isAlive(controller));
    assert.equal(await readConfigMapValue(rest, namespace, 'settings'), 'unrelated');
    assert.equal(await readConfigMapValue(rest, namespace, 'keep'), undefined, 'what the new history dropped was not pruned');
    assert.deepEqual(release.inventory.entries.map((entry) => entry.name).sort(), ['settings']);
    assert.ok(release.history.some((entry) => entry.revision === good && entry.phase === 'Succeeded'));
  });

  it('stalling in the middle of a pack: the fetch times out with an error naming the repository; the last good state stays', { timeout: 150_000 }, async (t) => {
    const deployed = await deployGoodState(t, 'git-stall');
    // The controller's Git request deadline is 60 s (src/source/git-source.ts).
    const line = await announceDuringFault(t, deployed, 'stall', 100_000);
    assert.ok(deployed.proxy.hits.stall > 0, 'no request met the stall');
    assert.match(errorText(line), /within \d+ ms/);
    await assertGoodStateKept(deployed);
  });
});
