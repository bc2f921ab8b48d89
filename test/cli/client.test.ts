/**
 * The `berth` client commands against a real controller process (real Git
 * server, Redis and control plane): what they print and the exit codes scripts
 * rely on. A manual-sync Application goes through diff, a dry run, a sync, a
 * sync to a named revision and a rollback, all through the CLI.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { uniqueName } from '../harness/env.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { freePort } from '../harness/ports.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, readConfigMapValue } from '../controller/replica-fixtures.ts';
import { commitFiles } from '../harness/git-repositories.ts';

const root = path.resolve(import.meta.dirname, '../..');
const adminToken = 'cli-admin-token';

interface Run { code: number; stdout: string; stderr: string }

function berth(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(path.join(root, 'src/bin/node'), [path.join(root, 'src/cli/main.ts'), ...args], { env: { ...process.env, NO_COLOR: '1', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

function applicationsFile(dir: string, namespace: string, repoURL: string): string {
  const app = (name: string, automated: boolean) => ({
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
    spec: {
      source: { repoURL, targetRevision: 'main', path: `apps/${name}` },
      destination: { namespace },
      syncPolicy: { pollInterval: '1h', ...(automated ? { automated: { prune: true } } : {}) },
    },
  });
  const file = path.join(dir, 'apps.yaml');
  fs.writeFileSync(file, dump({ apiVersion: 'v1', kind: 'List', items: [app('web', false), app('auto', true)] }));
  return file;
}

describe('the berth client commands', () => {
  it('show, diff, sync, roll back and fail with the documented exit codes', { timeout: 240_000 }, async (t) => {
    const { namespace, rest, root: dir, repository, server } = await integrationSetUp(t, 'cli');
    const first = await commitFiles(repository, {
      'apps/web/config.yaml': configMapYaml(namespace, 'web', 'v1'),
      'apps/auto/config.yaml': configMapYaml(namespace, 'auto', 'v1'),
    }, 'first');

    const prefix = uniqueName('berth-cli');
    cleanUpPrefix(t, prefix);
    const controller = startControllerProcess({ appsFile: applicationsFile(dir, namespace, server.url('deploy')), queuePrefix: prefix, env: { BERTH_API_ADMIN_TOKENS: adminToken } });
    t.after(async () => { await controller.stop(); });
    const env = { BERTH_SERVER: await controller.baseUrl(), BERTH_TOKEN: adminToken };
    const web = `${namespace}/web`;

    // Never synced: the drift report says Missing, and `diff` exits 1.
    const missing = await controller.explain(eventually('a drift report for web', async () => {
      const run = await berth(env, 'diff', web);
      return run.code === 1 ? run : undefined;
    }, { timeoutMs: 60_000 }));
    assert.match(missing.stdout, new RegExp(`\\+\\+\\+ predicted/ConfigMap/${namespace}/web`));
    assert.match(missing.stdout, /^\+ {2}value: v1$/m);

    const apps = await berth(env, 'apps', '-o', 'json');
    assert.equal(apps.code, 0, apps.stderr);
    const listed = JSON.parse(apps.stdout) as { key: string; sync: string }[];
    assert.deepEqual(listed.map((item) => item.key).sort(), [`${namespace}/auto`, web]);
    assert.equal(listed.find((item) => item.key === web)?.sync, 'OutOfSync');
    const table = await berth(env, 'apps');
    assert.match(table.stdout, /^NAME\s+CLUSTER\s+SYNC\s+HEALTH\s+REVISION\s+LAST SYNC$/m);
    assert.match(table.stdout, new RegExp(`^${web}\\s+in-cluster\\s+OutOfSync`, 'm'));

    // A dry run changes nothing and reports what a sync would do.
    const dryRun = await berth(env, 'sync', 'web', '--dry-run');
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.match(dryRun.stdout, new RegExp(`queued sync of ${web} \\(dry run\\)`));
    const planned = await controller.explain(eventually('the dry run to be reported', async () => {
      const status = JSON.parse((await berth(env, 'status', web, '-o', 'json')).stdout) as { lastOperation?: { dryRun: boolean; changes?: string[] } };
      return status.lastOperation?.dryRun ? status.lastOperation : undefined;
    }, { timeoutMs: 60_000 }));
    assert.deepEqual(planned.changes, [`created ConfigMap/${namespace}/web`]);
    assert.equal(await readConfigMapValue(rest, namespace, 'web'), undefined, 'a dry run writes nothing');

    assert.equal((await berth(env, 'sync', web)).code, 0);
    await controller.explain(eventually('web to be synced', async () => (await readConfigMapValue(rest, namespace, 'web')) === 'v1' || undefined, { timeoutMs: 60_000 }));
    await controller.explain(eventually('diff to find web in sync', async () => ((await berth(env, 'diff', web)).code === 0 ? true : undefined), { timeoutMs: 60_000 }));

    // A sync to a named revision, then a rollback to the entry before it.
    const second = await commitFiles(repository, { 'apps/web/config.yaml': configMapYaml(namespace, 'web', 'v2') }, 'second');
    const toSecond = await berth(env, 'sync', web, '--revision', second);
    assert.equal(toSecond.code, 0, toSecond.stderr);
    await controller.explain(eventually('web at the second commit', async () => (await readConfigMapValue(rest, namespace, 'web')) === 'v2' || undefined, { timeoutMs: 60_000 }));
    const history = await controller.explain(eventually('history of both revisions', async () => {
      const entries = JSON.parse((await berth(env, 'history', web, '-o', 'json')).stdout) as { id: number; revision: string; phase: string }[];
      return entries[0]?.revision === second && entries[0].phase === 'Succeeded' ? entries : undefined;
    }, { timeoutMs: 30_000 }));
    assert.ok(history.some((entry) => entry.revision === first && entry.phase === 'Succeeded'));
    const historyTable = await berth(env, 'history', web);
    assert.match(historyTable.stdout, new RegExp(`^\\d+\\s+${second.slice(0, 12)}\\s+manual\\s+Succeeded`, 'm'));

    const rollback = await berth(env, 'rollback', web);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stdout, new RegExp(`queued rollback of ${web} to ${first.slice(0, 12)}`));
    await controller.explain(eventually('web rolled back to v1', async () => (await readConfigMapValue(rest, namespace, 'web')) === 'v1' || undefined, { timeoutMs: 60_000 }));
    const status = await berth(env, 'status', web);
    assert.match(status.stdout, /^Sync:\s+Synced at [0-9a-f]{40}$/m);

    // Failures: the problem detail on stderr, and the documented exit codes.
    const automated = await berth(env, 'sync', `${namespace}/auto`, '--revision', first);
    assert.equal(automated.code, 3);
    assert.match(automated.stderr, /Conflict \(409\): .*automated sync/);
    const unknown = await berth(env, 'status', `${namespace}/ghost`);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /Not found \(404\): Application .*ghost is not registered/);
    const anonymous = await berth({ BERTH_SERVER: env.BERTH_SERVER, BERTH_TOKEN: '' }, 'apps');
    assert.equal(anonymous.code, 3);
    assert.match(anonymous.stderr, /Unauthorized \(401\)/);
    const badFormat = await berth(env, 'apps', '-o', 'xml');
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /-o must be one of table, json, yaml/);
    const badId = await berth(env, 'rollback', web, 'latest');
    assert.equal(badId.code, 2);
    assert.equal((await berth(env, 'sync')).code, 2, 'a missing argument is a usage error');
    const unreachable = await berth({ BERTH_SERVER: `http://127.0.0.1:${await freePort()}` }, 'apps');
    assert.equal(unreachable.code, 3);
    assert.match(unreachable.stderr, /cannot reach the Berth server/);
    const help = await berth({}, 'diff', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit codes:[\s\S]*1 {2}\(berth diff\) the Application is OutOfSync/);
  });
});
