/**
 * Three `berth controller` processes share one Redis queue and one
 * Applications file of 20 ConfigMap-only Applications. 500 webhook triggers,
 * enqueued as fast as five producers can, interleaved with commits that change
 * some Applications, must leave every Application at its last trigger's commit,
 * and no Application may ever be reconciled twice at once. Then one webhook per
 * Application right after a commit, the case where a stale view of the branch
 * would show, must deploy that commit everywhere.
 *
 * The controller has no start-of-reconcile marker the test could read, so
 * overlap is judged from two records the test does not write: the jobs BullMQ
 * keeps (start and end stamped by the process that ran each one), and the
 * controllers' `reconciled` log lines, each of which must fall inside its own
 * job. The release records' history is checked for overlapping operations too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveQueueOptions } from '../../src/queue/options.ts';
import { ReconcileQueue } from '../../src/queue/reconcile-queue.ts';
import type { ReconcileJob } from '../../src/queue/reconcile-job.ts';
import { redisUrl, uniqueName } from '../harness/env.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { startControllerProcess, type ControllerProcess } from './controller-process.ts';
import {
  configMapYaml, controllerStarted, finishedJobRuns, readConfigMapValue, readRelease, reconciledLines, writeApplicationsFile,
  type JobRun, type ReconciledLine,
} from './replica-fixtures.ts';

const replicas = 3;
const applications = 20;
const triggers = 500;
const rounds = 10;
const producers = 5;

const appName = (i: number): string => `app-${i}`;
const configMapName = (i: number): string => `app-${i}-settings`;
/** Round `r` changes a quarter of the Applications, a different quarter each round. */
const changedInRound = (i: number, r: number): boolean => (i + r) % 4 === 0;

/** Fails unless each of `runs` (one Application's, by start) ends before the next starts. */
function assertSequential(app: string, runs: readonly JobRun[]): void {
  for (let k = 1; k < runs.length; k++) {
    const before = runs[k - 1];
    const after = runs[k];
    if (before === undefined || after === undefined) continue;
    assert.ok(after.startedAt >= before.finishedAt,
      `${app}: job ${after.id} started at ${after.startedAt}, before job ${before.id} ended at ${before.finishedAt} (overlapping reconciles)`);
  }
}

/** Fails unless the k-th `reconciled` line of an Application lies inside its k-th job that ran the reconcile. */
function assertLinesInsideJobs(app: string, lines: readonly ReconciledLine[], runs: readonly JobRun[]): void {
  const ran = runs.filter((run) => !run.skipped && run.failedReason === undefined);
  assert.equal(lines.length, ran.length, `${app}: ${lines.length} "reconciled" log lines for ${ran.length} jobs that ran the reconcile`);
  lines.forEach((line, k) => {
    const run = ran[k];
    assert.ok(run !== undefined && line.at >= run.startedAt && line.at <= run.finishedAt,
      `${app}: reconcile ${k} logged at ${line.at}, outside its job ${run?.id} [${run?.startedAt}, ${run?.finishedAt}]`);
  });
}

describe('three controllers on one queue', () => {
  it('never reconcile one Application twice at once, and leave each at its last trigger\'s commit', { timeout: 170_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'replicas');

    const expected = Array.from({ length: applications }, () => 'v0');
    await commitFiles(repository, Object.fromEntries(expected.map((value, i) =>
      [`apps/${appName(i)}/config.yaml`, configMapYaml(namespace, configMapName(i), value)])), 'v0');
    const appsFile = writeApplicationsFile(root, expected.map((_, i) => ({
      name: appName(i), namespace, repoURL: server.url('deploy'), path: `apps/${appName(i)}`,
      // Long enough that only the test's triggers (and each start-up) drive reconciles.
      pollInterval: '10m',
    })));

    const prefix = uniqueName('berth-replicas');
    cleanUpPrefix(t, prefix);
    const controllers: ControllerProcess[] = Array.from({ length: replicas }, () => startControllerProcess({ appsFile, queuePrefix: prefix }));
    t.after(async () => { await Promise.all(controllers.map((controller) => controller.stop())); });
    await Promise.all(controllers.map((controller) => controllerStarted(controller)));

    const queue = new ReconcileQueue(resolveQueueOptions({ redisUrl: redisUrl(), prefix }));
    t.after(() => queue.close());

    // Rounds of (commit, burst of triggers naming that commit). Every round
    // triggers all 20 Applications, so each one's last trigger names the last commit.
    const lastTrigger = new Map<string, string>();
    let head = '';
    for (let r = 1; r <= rounds; r++) {
      const changes: Record<string, string> = {};
      expected.forEach((_, i) => {
        if (!changedInRound(i, r)) return;
        expected[i] = `v${r}`;
        changes[`apps/${appName(i)}/config.yaml`] = configMapYaml(namespace, configMapName(i), `v${r}`);
      });
      head = await commitFiles(repository, changes, `round ${r}`);
      const burst: ReconcileJob[] = Array.from({ length: triggers / rounds }, (_, k) => ({
        app: `${namespace}/${appName((k + r) % applications)}`, reason: 'webhook', revision: head,
      }));
      for (const trigger of burst) lastTrigger.set(trigger.app, head);
      await Promise.all(Array.from({ length: producers }, async (_, p) => {
        for (const trigger of burst.filter((_, k) => k % producers === p)) await queue.enqueue(trigger);
      }));
    }
    assert.equal(lastTrigger.size, applications);
    assert.ok([...lastTrigger.values()].every((revision) => revision === head));

    const drained = async (): Promise<void> => {
      await controllers[0]?.explain(eventually('the reconcile queue to drain', async () => {
        const depth = await queue.depth();
        return depth.waiting + depth.active + depth.delayed + depth.prioritized + depth['waiting-children'] === 0 ? depth : undefined;
      }, { timeoutMs: 90_000, intervalMs: 250 }));
    };
    /** Applications whose release or ConfigMap is not at `revision` with the expected values. */
    const behind = async (revision: string): Promise<string[]> => {
      const found: string[] = [];
      for (let i = 0; i < applications; i++) {
        const record = await readRelease(rest, namespace, appName(i));
        const value = await readConfigMapValue(rest, namespace, configMapName(i));
        if (record?.state.revision !== revision || record.appliedRevision !== revision || record.state.status !== 'Healthy' || value !== expected[i]) {
          found.push(`${appName(i)}: ${record?.state.status ?? 'no record'} at ${record?.state.revision?.slice(0, 8) ?? '-'}, value ${value ?? '-'} (want ${revision.slice(0, 8)}, ${expected[i] ?? '-'})`);
        }
      }
      return found;
    };
    await drained();

    // 1. At most one job of an Application at a time, by the times BullMQ kept.
    const runs = await finishedJobRuns(queue);
    assert.ok(runs.length < 1_000, `${runs.length} jobs: the queue keeps 1,000 completed jobs, so some may have been dropped`);
    const failed = runs.filter((run) => run.failedReason !== undefined);
    assert.deepEqual(failed.map((run) => `${run.app} ${run.id}: ${run.failedReason ?? ''}`), []);
    assert.deepEqual(runs.filter((run) => run.stalledCounter > 0).map((run) => run.id), [], 'no controller died, so no job may have stalled');
    const lines = controllers.map(reconciledLines);
    for (let i = 0; i < applications; i++) {
      const app = `${namespace}/${appName(i)}`;
      const own = runs.filter((run) => run.app === app).sort((a, b) => a.startedAt - b.startedAt || a.finishedAt - b.finishedAt);
      assertSequential(app, own);
      // 2. Every run of the reconcile function (its log line) inside one of those jobs, one per job.
      assertLinesInsideJobs(app, lines.flat().filter((line) => line.app === app).sort((a, b) => a.at - b.at), own);
      // 3. The last job that ran took the last trigger.
      assert.equal(own.filter((run) => !run.skipped && !run.scheduled).at(-1)?.revision, lastTrigger.get(app), `${app}: the last reconcile ran with another trigger than the last`);
    }
    const ran = runs.filter((run) => !run.skipped).length;
    assert.ok(ran < triggers, `${ran} reconciles for ${triggers} triggers: no burst collapsed`);
    // Shared work, not an even split: on a loaded machine one replica may start late and find the queue drained.
    const working = lines.filter((own) => own.length > 0).length;
    assert.ok(working >= 2, `only ${working} of ${lines.length} controllers reconciled anything: the work was not shared`);
    t.diagnostic(`${ran} reconciles (${runs.length - ran} covered triggers skipped) for ${triggers} triggers; per controller: ${lines.map((own) => own.length).join(', ')}`);

    // 4. The cluster: every Application at the last commit, its ConfigMap at that commit's content,
    //    and its release history without two operations at once.
    assert.deepEqual(await behind(head), [], `Applications not at their last trigger's commit ${head.slice(0, 8)}`);
    for (let i = 0; i < applications; i++) {
      const history = [...(await readRelease(rest, namespace, appName(i)))?.history ?? []].sort((a, b) => a.id - b.id);
      history.forEach((entry, k) => {
        assert.notEqual(entry.phase, 'Running', `${appName(i)}: history entry ${entry.id} still Running`);
        const previous = history[k - 1];
        if (previous?.finishedAt !== undefined) {
          assert.ok(entry.startedAt >= previous.finishedAt, `${appName(i)}: history entry ${entry.id} started before entry ${previous.id} finished`);
        }
      });
    }

    // 5. The tightest case, which the burst above hits only by chance: a webhook right
    //    after a commit, while the controllers' view of the branch is seconds old (one
    //    reconcile just resolved it). Every Application must deploy the new commit.
    await queue.enqueue({ app: `${namespace}/${appName(0)}`, reason: 'webhook', revision: head });
    await drained();
    expected.fill('final');
    head = await commitFiles(repository, Object.fromEntries(expected.map((value, i) =>
      [`apps/${appName(i)}/config.yaml`, configMapYaml(namespace, configMapName(i), value)])), 'final');
    for (let i = 0; i < applications; i++) await queue.enqueue({ app: `${namespace}/${appName(i)}`, reason: 'webhook', revision: head });
    await drained();
    assert.deepEqual(await behind(head), [], `Applications not at the commit ${head.slice(0, 8)} their webhook named`);
  });
});
