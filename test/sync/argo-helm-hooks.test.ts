/**
 * Repositories written for Argo CD or Helm, synced as they are on the real
 * control plane: Argo CD's hooks and waves (a PreSync Job, a wave -1 ConfigMap, a
 * wave 1 Deployment, a PostSync Job with `generateName` deleted when it succeeds)
 * and a Helm chart's hooks (pre-install hooks ordered by weight, a `test` Pod)
 * run in the order Argo CD would run them; the test Pod is never created and
 * the Application becomes Healthy. The order is the order of Berth's writes to
 * the API server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatRef, refKey, type KubeObject } from '../../objects.ts';
import { LocalTree } from '../../src/source/local-tree.ts';
import { objectsOf, Renderer } from '../../src/render/render.ts';
import { hookOutcome } from '../../sync/hooks.ts';
import { helmBinary } from '../harness/assets.ts';
import { testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { application, auto, configMap, connect, deployment, drive, ref, type Connection, type RecordedCall } from './release-driver.ts';

let connection: Connection;

const job = (namespace: string, metadata: KubeObject['metadata']): KubeObject => ({
  apiVersion: 'batch/v1', kind: 'Job',
  metadata: { namespace, ...metadata },
  spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'tool:1' }] } } },
});

/** Index of the first real (not dry-run) write of an object whose key matches. */
function firstWrite(calls: readonly RecordedCall[], matches: (key: string) => boolean): number {
  return calls.findIndex((call) => call.method === 'apply' && call.dryRun === false && matches(call.key));
}

/** Index of the first read that saw a hook finished successfully. */
function firstSeenSucceeded(calls: readonly RecordedCall[], matches: (key: string) => boolean): number {
  return calls.findIndex((call) => call.method === 'get' && call.result !== undefined && matches(call.key) && hookOutcome(call.result).kind === 'succeeded');
}

function assertInOrder(positions: Record<string, number>): void {
  const entries = Object.entries(positions);
  for (const [what, at] of entries) assert.ok(at >= 0, `${what} happened`);
  for (let i = 1; i < entries.length; i += 1) {
    const [earlier, a] = entries[i - 1] ?? ['', -1];
    const [later, b] = entries[i] ?? ['', -1];
    assert.ok(a < b, `${earlier} (call ${a}) before ${later} (call ${b})`);
  }
}

describe('Argo CD and Helm annotations on the control plane', { concurrency: true }, () => {
  let scratch: string;
  before(async () => {
    connection = await connect();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-argo-helm-'));
  });
  after(async () => {
    connection.rest.close();
    await fs.rm(scratch, { recursive: true, force: true });
  });

  it('runs Argo CD hooks and waves in Argo CD\'s order, with a generateName PostSync Job deleted once it succeeds', async (t) => {
    const namespace = await testNamespace(t, 'argo-hooks');
    const app = application(connection, namespace);
    app.revisions.set('c1', [
      deployment(namespace, 'web', 'web:1', { annotations: { 'argocd.argoproj.io/sync-wave': '1' } }),
      job(namespace, { generateName: 'smoke-', annotations: { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' } }),
      configMap(namespace, 'settings', { level: 'info' }, { 'argocd.argoproj.io/sync-wave': '-1' }),
      job(namespace, { name: 'migrate', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } }),
    ]);
    const start = connection.calls.length;
    const steps = await drive(app, auto('c1'));
    assert.equal(app.record.state.status, 'Healthy', app.record.state.message);

    const calls = connection.calls.slice(start);
    const migrate = refKey(ref('batch/v1', 'Job', namespace, 'migrate'));
    const isSmoke = (key: string): boolean => key.startsWith(`batch/Job/${namespace}/smoke-`);
    assertInOrder({
      'PreSync Job written': firstWrite(calls, (key) => key === migrate),
      'PreSync Job seen complete': firstSeenSucceeded(calls, (key) => key === migrate),
      'wave -1 ConfigMap written': firstWrite(calls, (key) => key === refKey(ref('v1', 'ConfigMap', namespace, 'settings'))),
      'wave 1 Deployment written': firstWrite(calls, (key) => key === refKey(ref('apps/v1', 'Deployment', namespace, 'web'))),
      'PostSync Job written': firstWrite(calls, isSmoke),
      'PostSync Job seen complete': firstSeenSucceeded(calls, isSmoke),
    });

    const changeSet = steps.flatMap((step) => step.result.syncs.flatMap((sync) => sync.changeSet));
    const smoke = changeSet.find((entry) => entry.phase === 'PostSync');
    assert.match(smoke?.ref.name ?? '', /^smoke-[a-z0-9]{5}$/, 'the PostSync Job was created under a generated name');
    assert.equal(smoke?.action, 'created');
    await eventually('the succeeded PostSync Job to be deleted (HookSucceeded)', async () => {
      const live = await connection.client.get(smoke.ref);
      return live === undefined || live.metadata.deletionTimestamp !== undefined ? true : undefined;
    });
    assert.ok(!app.record.inventory.entries.some((entry) => entry.kind === 'Job'), 'hooks are not managed objects');
  });

  it('runs a Helm chart\'s pre-install hooks by weight before the release and never applies its test Pod', async (t) => {
    const namespace = await testNamespace(t, 'helm-hooks');
    const chart = path.join(scratch, 'web');
    const files: Record<string, string> = {
      'Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'templates/deployment.yaml': [
        'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  replicas: 1', '  progressDeadlineSeconds: 5',
        '  selector: { matchLabels: { app: web } }', '  template:', '    metadata: { labels: { app: web } }',
        '    spec: { containers: [{ name: web, image: "web:1" }] }', '',
      ].join('\n'),
      'templates/seed-config.yaml': [
        'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: seed-config', '  annotations:',
        '    "helm.sh/hook": pre-install,pre-upgrade', '    "helm.sh/hook-weight": "-10"', 'data: { rows: "3" }', '',
      ].join('\n'),
      'templates/seed-job.yaml': [
        'apiVersion: batch/v1', 'kind: Job', 'metadata:', '  name: seed', '  annotations:',
        '    "helm.sh/hook": pre-install', '    "helm.sh/hook-weight": "-5"', '    "helm.sh/hook-delete-policy": before-hook-creation',
        'spec:', '  backoffLimit: 0', '  template:', '    spec: { restartPolicy: Never, containers: [{ name: seed, image: "seed:1" }] }', '',
      ].join('\n'),
      'templates/tests/test-connection.yaml': [
        'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: web-test-connection', '  annotations:', '    "helm.sh/hook": test',
        'spec: { restartPolicy: Never, containers: [{ name: wget, image: busybox, command: [wget, "web:80"] }] }', '',
      ].join('\n'),
    };
    for (const [file, content] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(chart, file)), { recursive: true });
      await fs.writeFile(path.join(chart, file), content);
    }
    const rendered = await new Renderer({ helmBinary: await helmBinary() }).render({ tree: new LocalTree(scratch), path: 'web', appName: 'web', namespace });
    const app = application(connection, namespace);
    app.revisions.set('c1', objectsOf(rendered));
    const start = connection.calls.length;
    const steps = await drive(app, auto('c1'));
    assert.equal(app.record.state.status, 'Healthy', app.record.state.message);

    const calls = connection.calls.slice(start);
    const seed = refKey(ref('batch/v1', 'Job', namespace, 'seed'));
    assertInOrder({
      'weight -10 ConfigMap hook written': firstWrite(calls, (key) => key === refKey(ref('v1', 'ConfigMap', namespace, 'seed-config'))),
      'weight -5 Job hook written': firstWrite(calls, (key) => key === seed),
      'weight -5 Job hook seen complete': firstSeenSucceeded(calls, (key) => key === seed),
      'the Deployment written': firstWrite(calls, (key) => key === refKey(ref('apps/v1', 'Deployment', namespace, 'web'))),
    });

    const testPod = ref('v1', 'Pod', namespace, 'web-test-connection');
    assert.equal(firstWrite(calls, (key) => key === refKey(testPod)), -1, 'the test Pod was never applied');
    assert.equal(await connection.client.get(testPod), undefined, 'the test Pod does not exist');
    const entry = steps.flatMap((step) => step.result.syncs.flatMap((sync) => sync.changeSet)).find((e) => formatRef(e.ref) === formatRef(testPod));
    assert.equal(entry?.action, 'skipped');
    assert.match(entry.message, /not applied: helm\.sh\/hook: test: a Helm test/);
    assert.deepEqual(app.record.inventory.entries.map((e) => e.kind), ['Deployment'], 'only the Deployment is managed');
  });
});
