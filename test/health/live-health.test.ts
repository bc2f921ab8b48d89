/**
 * The health rules against live workloads on the real control plane (kwok
 * nodes): each test drives real objects to a state, waits for it by the objects'
 * own status, and asserts `assessHealth` on the object read back raw through
 * Berth's ClusterClient. With BERTH_CAPTURE_HEALTH_FIXTURES=1 the objects are
 * written to health/testdata as `<kind>-<state>-captured.yaml` (see capture.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../../objects.ts';
import { assessHealth } from '../../health/index.ts';
import { valueAt } from '../../health/fields.ts';
import { testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import {
  type Live, apply, conditionOf, connect, deployment, deploymentAvailable, expectLiveHealth, num, observed, podTemplate, read,
} from './live.ts';

const parallel = { concurrency: true };
let live: Live;

/** A node selector no kwok node matches: the pod stays Pending, unschedulable. */
const nowhere = { 'berth.dev/no-such-node': 'true' };

function object(apiVersion: string, kind: string, namespace: string, name: string, fields: Record<string, unknown>): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace }, ...fields };
}

function pod(namespace: string, name: string, options: { neverReady?: boolean; restartPolicy?: string; nodeSelector?: Record<string, string> } = {}): KubeObject {
  const template = podTemplate(name, { neverReady: options.neverReady }) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, ...template.metadata },
    spec: { ...template.spec, restartPolicy: options.restartPolicy, nodeSelector: options.nodeSelector },
  };
}

function jobSpec(name: string, extra: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): Record<string, unknown> {
  const template = podTemplate(name) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  return { backoffLimit: 0, ...extra, template: { metadata: template.metadata, spec: { ...template.spec, restartPolicy: 'Never', ...podSpec } } };
}

/** Every state of the object read every 50 ms until `until` holds (the last sample). */
async function sampleUntil(target: KubeObject, until: (o: KubeObject) => boolean, timeoutMs = 60_000): Promise<KubeObject[]> {
  const samples: KubeObject[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const current = await read(live, target);
    samples.push(current);
    if (until(current)) return samples;
    await sleep(50);
  }
  throw new Error(`${target.kind}/${target.metadata.name}: no sample reached the state in ${timeoutMs} ms`);
}

async function kwokNodeCount(): Promise<number> {
  return (await live.cluster.list('v1', 'Node', { labelSelector: 'type=kwok' })).length;
}

describe('health of live workloads', parallel, () => {
  before(async () => { live = await connect(); });
  after(() => { live.rest.close(); });

  describe('Deployment', parallel, () => {
    it('is Healthy once available, Suspended when paused, Healthy again scaled to 0', async (t) => {
      const namespace = await testNamespace(t, 'health-deploy');
      const web = deployment(namespace, 'web', {});
      await apply(live, web);
      await expectLiveHealth(live, web, {
        what: 'available', until: deploymentAvailable, status: 'Healthy', message: '2 of 2 updated replicas are available', capture: 'available',
      });

      // A paused rollout holds a template change; the controller still observes the spec.
      const paused = deployment(namespace, 'web', { paused: true }, podTemplate('web', { version: '2' }));
      await apply(live, paused);
      const held = await expectLiveHealth(live, paused, {
        what: 'paused and observed', until: (d) => observed(d) && conditionOf(d, 'Progressing')?.reason === 'DeploymentPaused',
        status: 'Suspended', message: 'rollout is paused', capture: 'paused',
      });
      assert.equal(num(held, 'status', 'updatedReplicas') ?? 0, 0, 'the paused template change must not roll out');

      const zero = deployment(namespace, 'web', { replicas: 0, paused: false });
      await apply(live, zero);
      await expectLiveHealth(live, zero, {
        what: 'scaled to 0', until: deploymentAvailable, status: 'Healthy', message: 'scaled to 0 replicas', capture: 'scaled-to-zero',
      });
    });

    it('is Progressing while new pods are not ready, before the deadline', async (t) => {
      const namespace = await testNamespace(t, 'health-rolling');
      const strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } };
      const web = deployment(namespace, 'web', { strategy, progressDeadlineSeconds: 600 });
      await apply(live, web);
      await expectLiveHealth(live, web, { what: 'available', until: deploymentAvailable, status: 'Healthy', message: '2 of 2' });

      const update = deployment(namespace, 'web', { strategy, progressDeadlineSeconds: 600 }, podTemplate('web', { neverReady: true, version: '2' }));
      await apply(live, update);
      const rolling = await expectLiveHealth(live, update, {
        what: 'one surged pod of the new revision, not ready',
        until: (d) => observed(d) && num(d, 'status', 'updatedReplicas') === 1 && num(d, 'status', 'replicas') === 3,
        status: 'Progressing', message: 'waiting for rollout: 1 of 2 replicas are updated', capture: 'rolling',
      });
      assert.equal(num(rolling, 'status', 'availableReplicas'), 2, 'maxUnavailable 0 keeps both old pods serving');
      assert.notEqual(conditionOf(rolling, 'Progressing')?.reason, 'ProgressDeadlineExceeded');
    });

    it('is Degraded when never-ready pods exceed a 5 s progress deadline', async (t) => {
      const namespace = await testNamespace(t, 'health-deadline');
      const stuck = deployment(namespace, 'stuck', { progressDeadlineSeconds: 5 }, podTemplate('stuck', { neverReady: true }));
      await apply(live, stuck);
      const failed = await expectLiveHealth(live, stuck, {
        what: 'ProgressDeadlineExceeded', until: (d) => observed(d) && conditionOf(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded',
        status: 'Degraded', message: 'waiting for rollout: progress deadline exceeded (ReplicaSet "stuck-', capture: 'progress-deadline-exceeded',
        timeoutMs: 90_000,
      });
      assert.equal(num(failed, 'status', 'readyReplicas') ?? 0, 0);
    });

    it('is Progressing, saying why, when a quota refuses pods; its ReplicaSet is Degraded', async (t) => {
      const namespace = await testNamespace(t, 'health-quota');
      const quota = object('v1', 'ResourceQuota', namespace, 'pods', { spec: { hard: { pods: '1' } } });
      await apply(live, quota);
      // Admission refuses every pod until the quota controller has computed usage.
      await eventually('quota usage to be computed', async () => {
        const q = await live.cluster.get({ group: '', version: 'v1', kind: 'ResourceQuota', namespace, name: 'pods' });
        return q && typeof valueAt(q, 'status', 'used', 'pods') === 'string' ? true : undefined;
      });
      const web = deployment(namespace, 'web', {});
      await apply(live, web);
      await expectLiveHealth(live, web, {
        what: 'ReplicaFailure', until: (d) => observed(d) && conditionOf(d, 'ReplicaFailure')?.status === 'True' && num(d, 'status', 'replicas') === 1,
        status: 'Progressing', message: 'waiting for rollout: 1 of 2 replicas are updated; pods cannot be created: pods "web-', capture: 'quota-exceeded',
      });
      // A ReplicaSet of its own has no progress deadline: a refused pod is its verdict.
      const batch = object('apps/v1', 'ReplicaSet', namespace, 'batch', {
        spec: { replicas: 1, selector: { matchLabels: { app: 'batch' } }, template: podTemplate('batch') },
      });
      await apply(live, batch);
      await expectLiveHealth(live, batch, {
        what: 'ReplicaFailure', until: (rs) => observed(rs) && conditionOf(rs, 'ReplicaFailure')?.status === 'True',
        status: 'Degraded', message: 'pods cannot be created: pods "batch-', capture: 'quota-exceeded',
      });
    });

    it('never says Healthy before the rollout of a new revision is complete', async (t) => {
      const namespace = await testNamespace(t, 'health-watch');
      const web = deployment(namespace, 'web', { replicas: 3 });
      await apply(live, web);
      await expectLiveHealth(live, web, { what: 'available', until: deploymentAvailable, status: 'Healthy', message: '3 of 3' });
      const update = deployment(namespace, 'web', { replicas: 3 }, podTemplate('web', { version: '2' }));
      const stored = await apply(live, update);
      const samples = await sampleUntil(update, (d) => deploymentAvailable(d) && (d.metadata.generation ?? 0) >= (stored.metadata.generation ?? 0));
      const early = samples.filter((d) => assessHealth(d)?.status === 'Healthy' && !deploymentAvailable(d));
      assert.deepEqual(early.map((d) => d.status), [], 'Healthy while the rollout was not complete');
      const last = samples.at(-1);
      assert.ok(last);
      assert.equal(assessHealth(last)?.status, 'Healthy');
      t.diagnostic(`${String(samples.length)} samples: ${[...new Set(samples.map((d) => assessHealth(d)?.message))].join(' | ')}`);
    });
  });

  describe('StatefulSet', parallel, () => {
    it('is Healthy at one revision, and Healthy after a partitioned rollout reached its partition', async (t) => {
      const namespace = await testNamespace(t, 'health-sts');
      await apply(live, object('v1', 'Service', namespace, 'db', { spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] } }));
      const spec = (template: Record<string, unknown>, partition: number): Record<string, unknown> => ({
        replicas: 3, serviceName: 'db', podManagementPolicy: 'Parallel', selector: { matchLabels: { app: 'db' } }, template,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition } },
      });
      const db = object('apps/v1', 'StatefulSet', namespace, 'db', { spec: spec(podTemplate('db'), 0) });
      await apply(live, db);
      const healthy = await expectLiveHealth(live, db, {
        what: '3 ready at one revision',
        until: (s) => observed(s) && num(s, 'status', 'availableReplicas') === 3 && num(s, 'status', 'updatedReplicas') === 3
          && valueOf(s, 'currentRevision') === valueOf(s, 'updateRevision'),
        status: 'Healthy', message: '3 of 3 replicas are available at revision db-', capture: 'healthy',
      });

      const partitioned = object('apps/v1', 'StatefulSet', namespace, 'db', { spec: spec(podTemplate('db', { version: '2' }), 2) });
      await apply(live, partitioned);
      const rolled = await expectLiveHealth(live, partitioned, {
        what: 'the pod at ordinal 2 updated and ready',
        until: (s) => observed(s) && num(s, 'status', 'updatedReplicas') === 1 && num(s, 'status', 'availableReplicas') === 3
          && valueOf(s, 'updateRevision') !== valueOf(healthy, 'currentRevision'),
        status: 'Healthy', message: 'partitioned rollout complete: 1 of 3 replicas are updated; replicas below ordinal 2 keep the previous revision',
        capture: 'partitioned',
      });
      assert.equal(valueOf(rolled, 'currentRevision'), valueOf(healthy, 'currentRevision'), 'pods below the partition keep the old revision');
    });
  });

  describe('DaemonSet', parallel, () => {
    it('schedules one pod per kwok node and is Healthy; with no eligible node it is Healthy and says so', async (t) => {
      const namespace = await testNamespace(t, 'health-ds');
      const nodes = await kwokNodeCount();
      assert.ok(nodes > 0);
      const agent = object('apps/v1', 'DaemonSet', namespace, 'agent', { spec: { selector: { matchLabels: { app: 'agent' } }, template: podTemplate('agent') } });
      await apply(live, agent);
      await expectLiveHealth(live, agent, {
        what: `a pod available on each of ${nodes} nodes`,
        until: (d) => observed(d) && num(d, 'status', 'desiredNumberScheduled') === nodes && num(d, 'status', 'numberAvailable') === nodes
          && num(d, 'status', 'updatedNumberScheduled') === nodes,
        status: 'Healthy', message: `${nodes} of ${nodes} updated pods are available`, capture: 'healthy',
      });

      const template = podTemplate('idle') as { spec: Record<string, unknown> };
      const idle = object('apps/v1', 'DaemonSet', namespace, 'idle', {
        spec: { selector: { matchLabels: { app: 'idle' } }, template: { ...template, spec: { ...template.spec, nodeSelector: nowhere } } },
      });
      await apply(live, idle);
      await expectLiveHealth(live, idle, {
        what: 'observed with no node', until: (d) => observed(d) && num(d, 'status', 'desiredNumberScheduled') === 0,
        status: 'Healthy', message: 'no node is eligible to run a pod', capture: 'no-eligible-nodes',
      });
    });
  });

  describe('ReplicaSet', parallel, () => {
    it('is Healthy with its replicas available, Progressing with never-ready ones', async (t) => {
      const namespace = await testNamespace(t, 'health-rs');
      const rs = (name: string, neverReady: boolean): KubeObject => object('apps/v1', 'ReplicaSet', namespace, name, {
        spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: podTemplate(name, { neverReady }) },
      });
      const worker = rs('worker', false);
      const waiting = rs('waiting', true);
      await Promise.all([apply(live, worker), apply(live, waiting)]);
      await expectLiveHealth(live, worker, {
        what: '2 available', until: (r) => observed(r) && num(r, 'status', 'availableReplicas') === 2,
        status: 'Healthy', message: '2 of 2 replicas are available', capture: 'healthy',
      });
      await expectLiveHealth(live, waiting, {
        what: '2 pods, none ready', until: (r) => observed(r) && num(r, 'status', 'replicas') === 2,
        status: 'Progressing', message: 'waiting for replicas: 0 of 2 replicas are available', capture: 'never-ready',
      });
    });
  });

  describe('Pod', parallel, () => {
    it('is Healthy running and ready; Progressing never ready, unschedulable, or running to completion', async (t) => {
      const namespace = await testNamespace(t, 'health-pod');
      const nodes = await kwokNodeCount();
      const ready = pod(namespace, 'ready');
      const notReady = pod(namespace, 'not-ready', { neverReady: true });
      const unschedulable = pod(namespace, 'unschedulable', { nodeSelector: nowhere });
      const once = pod(namespace, 'once', { restartPolicy: 'Never' });
      await Promise.all([ready, notReady, unschedulable, once].map((p) => apply(live, p)));
      await expectLiveHealth(live, ready, {
        what: 'Ready', until: (p) => conditionOf(p, 'Ready')?.status === 'True',
        status: 'Healthy', message: 'pod is running and ready', capture: 'running-ready',
      });
      await expectLiveHealth(live, notReady, {
        what: 'Running, not Ready', until: (p) => valueOf(p, 'phase') === 'Running',
        status: 'Progressing', message: 'waiting for pod to be ready: containers with unready status: never-ready marker', capture: 'running-not-ready',
      });
      await expectLiveHealth(live, unschedulable, {
        what: 'Unschedulable', until: (p) => conditionOf(p, 'PodScheduled')?.reason === 'Unschedulable',
        status: 'Progressing', message: `waiting to be scheduled: 0/${nodes} nodes are available`, capture: 'unschedulable',
      });
      await expectLiveHealth(live, once, {
        what: 'Running and Ready', until: (p) => conditionOf(p, 'Ready')?.status === 'True',
        status: 'Progressing', message: 'pod is running (restart policy Never: done when it succeeds)', capture: 'running-restart-never',
      });
    });
  });

  describe('Job', parallel, () => {
    it('is Healthy once complete, Suspended while suspended, Degraded past its active deadline', async (t) => {
      const namespace = await testNamespace(t, 'health-job');
      const migrate = object('batch/v1', 'Job', namespace, 'migrate', { spec: jobSpec('migrate') });
      const later = object('batch/v1', 'Job', namespace, 'later', { spec: jobSpec('later', { suspend: true }) });
      // kwok completes every running Job pod, so only a pod that never runs (unschedulable) lets the deadline pass.
      const slow = object('batch/v1', 'Job', namespace, 'slow', { spec: jobSpec('slow', { activeDeadlineSeconds: 2 }, { nodeSelector: nowhere }) });
      await Promise.all([migrate, later, slow].map((j) => apply(live, j)));
      await expectLiveHealth(live, migrate, {
        what: 'Complete', until: (j) => conditionOf(j, 'Complete')?.status === 'True',
        status: 'Healthy', message: 'job completed: 1 pod succeeded', capture: 'complete',
      });
      await expectLiveHealth(live, later, {
        what: 'Suspended', until: (j) => conditionOf(j, 'Suspended')?.status === 'True',
        status: 'Suspended', message: 'job is suspended', capture: 'suspended',
      });
      await expectLiveHealth(live, slow, {
        what: 'Failed', until: (j) => conditionOf(j, 'Failed')?.status === 'True',
        status: 'Degraded', message: 'job failed: Job was active longer than specified deadline', capture: 'deadline-exceeded',
      });
    });
  });

  describe('CronJob', parallel, () => {
    it('is Healthy before its first run, Suspended when suspended, Healthy after a run that succeeded', async (t) => {
      const namespace = await testNamespace(t, 'health-cron');
      const nightly = object('batch/v1', 'CronJob', namespace, 'nightly', { spec: { schedule: '0 3 * * *', jobTemplate: { spec: jobSpec('nightly') } } });
      const paused = object('batch/v1', 'CronJob', namespace, 'paused', { spec: { schedule: '* * * * *', suspend: true, jobTemplate: { spec: jobSpec('paused') } } });
      const minutely = object('batch/v1', 'CronJob', namespace, 'minutely', { spec: { schedule: '* * * * *', jobTemplate: { spec: jobSpec('minutely') } } });
      await Promise.all([nightly, paused, minutely].map((c) => apply(live, c)));
      await expectLiveHealth(live, nightly, {
        what: 'created', until: () => true, status: 'Healthy', message: 'no job has been scheduled yet', capture: 'never-scheduled',
      });
      await expectLiveHealth(live, paused, { what: 'created', until: () => true, status: 'Suspended', message: 'cron job is suspended', capture: 'suspended' });
      const done = await expectLiveHealth(live, minutely, {
        what: 'a run that succeeded', until: (c) => valueOf(c, 'lastSuccessfulTime') !== undefined && !hasActive(c),
        status: 'Healthy', message: 'succeeded', capture: 'last-succeeded', timeoutMs: 150_000,
      });
      assert.match(String(valueOf(done, 'lastScheduleTime')), /:00Z$/, 'runs are scheduled on the minute');
    });

    it('is Healthy while its job runs, Degraded once that job failed', async (t) => {
      const namespace = await testNamespace(t, 'health-cronfail');
      // The pod never schedules, so the job fails by its active deadline.
      const failing = object('batch/v1', 'CronJob', namespace, 'failing', {
        spec: { schedule: '* * * * *', jobTemplate: { spec: jobSpec('failing', { activeDeadlineSeconds: 8 }, { nodeSelector: nowhere }) } },
      });
      await apply(live, failing);
      await expectLiveHealth(live, failing, {
        what: 'a job running', until: hasActive, status: 'Healthy', message: '1 job running', capture: 'running', timeoutMs: 150_000,
      });
      await expectLiveHealth(live, failing, {
        what: 'its job finished', until: (c) => valueOf(c, 'lastScheduleTime') !== undefined && !hasActive(c),
        status: 'Degraded', message: 'did not succeed', capture: 'last-failed', timeoutMs: 60_000,
      });
    });
  });
});

function valueOf(object: KubeObject, field: string): unknown {
  return (object.status as Record<string, unknown> | undefined)?.[field];
}

function hasActive(cronJob: KubeObject): boolean {
  const active = valueOf(cronJob, 'active');
  return Array.isArray(active) && active.length > 0;
}
