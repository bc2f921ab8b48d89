import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../objects.ts';
import { renderedRevision, type RenderedRevision } from './desired.ts';
import { ClusterError, TransientSyncError } from './errors.ts';
import { advanceRelease, initialReleaseRecord, type ReleaseDeps, type ReleaseOptions, type ReleaseRecord, type ReleaseStep, type ReleaseTrigger } from './release.ts';
import { sharedReads } from './shared-reads.ts';
import { FakeCluster, fakeClock, obj } from './testing/fake-cluster.ts';

const neverReady = 'berth.dev/test-never-ready';

function deployment(image: string, options: { broken?: boolean } = {}): KubeObject {
  return obj('apps/v1', 'Deployment', 'shop', 'web', {
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' }, ...(options.broken ? { annotations: { [neverReady]: 'true' } } : {}) },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  });
}

const namespace = obj('v1', 'Namespace', '', 'shop');
const config = (name: string): KubeObject => obj('v1', 'ConfigMap', 'shop', name, { data: { a: '1' } });

/**
 * A stand-in for the Deployment controller: a broken template exceeds its progress deadline, an image in
 * `stuck` never finishes rolling out, others become available; with `settle` false the status is left alone.
 */
function simulatedController(cluster: FakeCluster, behaviour: { settle?: boolean; stuck?: string } = {}): void {
  cluster.afterWrite = (object) => {
    if (object.kind !== 'Deployment' || behaviour.settle === false) return;
    object.status = imageOf(object) === behaviour.stuck ? { replicas: 2, updatedReplicas: 1, availableReplicas: 1 } : settledStatus(object);
  };
}

function settledStatus(object: KubeObject): Record<string, unknown> {
  const template = (object.spec as { template: { metadata?: { annotations?: Record<string, string> } } }).template;
  return template.metadata?.annotations?.[neverReady] === 'true'
    ? { replicas: 1, updatedReplicas: 1, availableReplicas: 0, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-2" has timed out progressing.' }] }
    : { replicas: 1, updatedReplicas: 1, availableReplicas: 1, conditions: [{ type: 'Available', status: 'True' }] };
}

function imageOf(object: KubeObject | undefined): string | undefined {
  return (object?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template.spec.containers[0]?.image;
}

const liveImage = (cluster: FakeCluster): string | undefined => imageOf(cluster.find('Deployment', 'shop', 'web'));

interface Harness {
  cluster: FakeCluster;
  revisions: Map<string, KubeObject[] | Error>;
  renders: string[];
  deps: ReleaseDeps;
  record: ReleaseRecord;
  now: Date;
  /** One step, with the record persisted as JSON in between like the controller does. */
  step(trigger: ReleaseTrigger): Promise<ReleaseStep>;
}

function harness(options: Partial<ReleaseOptions> = {}): Harness {
  // The namespace exists already, as a destination namespace usually does.
  const cluster = new FakeCluster([namespace]);
  const clock = fakeClock(0);
  const revisions = new Map<string, KubeObject[] | Error>();
  const renders: string[] = [];
  const h: Harness = {
    cluster,
    revisions,
    renders,
    record: initialReleaseRecord(),
    now: new Date('2030-01-01T00:00:00Z'),
    deps: {
      client: cluster,
      render(revision): Promise<RenderedRevision> {
        renders.push(revision);
        const objects = revisions.get(revision);
        if (objects === undefined) return Promise.reject(new Error(`unknown revision ${revision}`));
        if (objects instanceof Error) return Promise.reject(objects);
        return Promise.resolve(renderedRevision(revision, objects));
      },
      options: { healthTimeoutMs: 60_000, recheckIntervalMs: 5_000, ...options, sync: { prune: true, clock, ...options.sync } },
    },
    async step(trigger) {
      const step = await advanceRelease(JSON.parse(JSON.stringify(h.record)) as ReleaseRecord, trigger, h.deps, h.now);
      h.record = step.record;
      return step;
    },
  };
  simulatedController(cluster);
  return h;
}

const auto = (revision: string): ReleaseTrigger => ({ type: 'revision', revision, initiator: 'auto' });
const recheck: ReleaseTrigger = { type: 'recheck' };

describe('advanceRelease', () => {
  it('syncs a new revision, finds it Healthy, and records lastHealthyRevision', async () => {
    const h = harness();
    h.revisions.set('A', [namespace, config('cfg'), deployment('web:1')]);
    const step = await h.step(auto('A'));
    assert.deepEqual(step.result.actions.map((a) => a.kind), ['sync', 'checkRollout']);
    assert.equal(step.record.state.status, 'Healthy');
    assert.equal(step.record.state.lastHealthyRevision, 'A');
    assert.equal(step.record.appliedRevision, 'A');
    assert.equal(step.recheckAt, undefined);
    assert.equal(liveImage(h.cluster), 'web:1');
    assert.deepEqual(step.record.inventory.entries.map((ref) => ref.kind).sort(), ['ConfigMap', 'Deployment', 'Namespace']);
    assert.deepEqual(step.record.history.map((e) => [e.revision, e.initiator, e.phase]), [['A', 'auto', 'Succeeded']]);
    // The namespace existed before; the ConfigMap and the Deployment are new.
    assert.deepEqual([step.record.history[0]?.changes?.created, step.record.history[0]?.changes?.unchanged], [2, 1]);
  });

  it('does not hold the step while the rollout progresses: it asks for a recheck instead', async () => {
    const h = harness();
    const mode = { settle: false };
    simulatedController(h.cluster, mode);
    h.revisions.set('A', [namespace, deployment('web:1')]);
    const first = await h.step(auto('A'));
    assert.equal(first.record.state.status, 'Progressing');
    assert.equal(first.result.checks.at(-1)?.kind, 'progressing');
    assert.equal(first.recheckAt?.getTime(), h.now.getTime() + 5_000);

    assert.ok(first.recheckAt);
    h.now = first.recheckAt;
    const live = h.cluster.find('Deployment', 'shop', 'web');
    assert.ok(live);
    live.status = settledStatus(live);
    const writes = h.cluster.writes().length;
    const second = await h.step(recheck);
    assert.deepEqual(second.result.actions.map((a) => a.kind), ['checkRollout']);
    assert.equal(second.record.state.status, 'Healthy');
    assert.equal(second.recheckAt, undefined);
    assert.equal(h.cluster.writes().length, writes, 'a rollout check writes nothing');
  });

  it('rolls a failed rollout back to the last healthy revision and records sync, failure and rollback', async () => {
    const h = harness();
    h.revisions.set('A', [namespace, deployment('web:1')]);
    h.revisions.set('B', [namespace, deployment('web:2', { broken: true })]);
    await h.step(auto('A'));
    const step = await h.step(auto('B'));
    assert.deepEqual(step.result.actions.map((a) => a.kind), ['sync', 'checkRollout', 'rollback', 'checkRollout']);
    assert.equal(step.record.state.status, 'Healthy');
    assert.equal(step.record.state.reason, 'RolledBack');
    assert.equal(step.record.state.failedRevision, 'B');
    assert.equal(step.record.state.lastHealthyRevision, 'A');
    assert.equal(liveImage(h.cluster), 'web:1');
    assert.deepEqual(step.record.history.map((e) => [e.revision, e.initiator, e.phase]), [
      ['A', 'auto', 'Succeeded'], ['B', 'auto', 'Succeeded'], ['B', 'auto', 'Failed'], ['A', 'rollback', 'Succeeded'],
    ]);
    assert.match(step.record.history[2]?.message ?? '', /rollout failed \(Degraded\).*progress deadline exceeded/);
  });

  it('observes a rollback with what the rollback wrote, not with what the failed rollout was read as, when reads are shared', async () => {
    const h = harness();
    h.revisions.set('A', [namespace, deployment('web:1')]);
    h.revisions.set('B', [namespace, deployment('web:2', { broken: true })]);
    await h.step(auto('A'));
    h.deps = { ...h.deps, observer: sharedReads(h.cluster) };
    const step = await h.step(auto('B'));
    assert.deepEqual(step.result.actions.map((a) => a.kind), ['sync', 'checkRollout', 'rollback', 'checkRollout']);
    assert.deepEqual(step.result.checks.map((check) => check.kind), ['failed', 'healthy']);
    assert.equal(step.record.state.status, 'Healthy');
    assert.equal(liveImage(h.cluster), 'web:1');
  });

  it('does not re-apply the failed revision until the tracked ref moves, then syncs the new commit', async () => {
    const h = harness();
    h.revisions.set('A', [namespace, deployment('web:1')]);
    h.revisions.set('B', [namespace, deployment('web:2', { broken: true })]);
    h.revisions.set('C', [namespace, deployment('web:3')]);
    await h.step(auto('A'));
    await h.step(auto('B'));
    const writes = h.cluster.writes().length;
    const rendersBefore = h.renders.length;
    for (const trigger of [auto('B'), { type: 'revision', revision: 'B', initiator: 'webhook' } as const, recheck]) {
      const again = await h.step(trigger);
      assert.deepEqual(again.result.actions, []);
      assert.equal(again.recheckAt, undefined);
    }
    assert.equal(h.cluster.writes().length, writes);
    assert.equal(h.renders.length, rendersBefore, 'the failed revision is not even rendered');

    const fixed = await h.step(auto('C'));
    assert.equal(fixed.record.state.status, 'Healthy');
    assert.equal(fixed.record.state.lastHealthyRevision, 'C');
    assert.equal(fixed.record.state.failedRevision, undefined);
    assert.equal(liveImage(h.cluster), 'web:3');
  });

  it('fails a rollout that is not Healthy within the health timeout, on a recheck, and rolls back', async () => {
    const h = harness({ healthTimeoutMs: 12_000 });
    simulatedController(h.cluster, { stuck: 'web:2' });
    h.revisions.set('A', [deployment('web:1')]);
    h.revisions.set('B', [deployment('web:2')]);
    await h.step(auto('A'));
    const started = h.now.getTime();
    let step = await h.step(auto('B'));
    const checks: number[] = [];
    while (step.recheckAt !== undefined) {
      assert.equal(step.record.state.status, 'Progressing');
      assert.equal(liveImage(h.cluster), 'web:2');
      h.now = step.recheckAt;
      checks.push(h.now.getTime() - started);
      step = await h.step(recheck);
      assert.ok(checks.length < 10, 'the rechecks end');
    }
    assert.deepEqual(checks, [5_000, 10_000, 12_000], 'checked every 5s, the last one at the deadline');
    assert.equal(step.record.state.status, 'Healthy');
    assert.equal(step.record.state.failedRevision, 'B');
    assert.match(step.record.history.find((e) => e.phase === 'Failed')?.message ?? '', /HealthTimeout.*not Healthy within 12s/);
    assert.equal(liveImage(h.cluster), 'web:1');
  });

  it('applies and prunes nothing when the revision does not render, and does not roll back', async () => {
    const h = harness();
    h.revisions.set('A', [namespace, config('old'), deployment('web:1')]);
    h.revisions.set('B', new Error('kustomize: accumulating resources: missing file'));
    await h.step(auto('A'));
    const writes = h.cluster.writes().length;
    const inventory = h.record.inventory;
    const step = await h.step(auto('B'));
    assert.equal(h.cluster.writes().length, writes);
    assert.ok(h.cluster.find('ConfigMap', 'shop', 'old'));
    assert.deepEqual(step.record.inventory, inventory);
    assert.equal(step.record.state.status, 'Degraded');
    assert.equal(step.record.state.reason, 'RenderFailed');
    assert.equal(step.record.state.lastHealthyRevision, 'A');
    assert.match(step.record.history.at(-1)?.message ?? '', /render of B failed: kustomize.*nothing pruned/);
  });

  it('prunes objects that left the desired set', async () => {
    const h = harness();
    h.revisions.set('A', [namespace, config('old'), config('kept')]);
    h.revisions.set('B', [namespace, config('kept')]);
    await h.step(auto('A'));
    const step = await h.step(auto('B'));
    assert.equal(h.cluster.find('ConfigMap', 'shop', 'old'), undefined);
    assert.ok(h.cluster.find('ConfigMap', 'shop', 'kept'));
    assert.equal(step.record.history.at(-1)?.changes?.deleted, 1);
  });

  it('stops in Stalled when the rollback itself fails, and tries nothing more', async () => {
    const h = harness();
    h.revisions.set('A', [deployment('web:1')]);
    h.revisions.set('B', [deployment('web:2', { broken: true })]);
    await h.step(auto('A'));
    h.revisions.set('A', new Error('git: object not found'));
    const step = await h.step(auto('B'));
    assert.deepEqual(step.result.actions.map((a) => a.kind), ['sync', 'checkRollout', 'rollback']);
    assert.equal(step.record.state.status, 'Stalled');
    assert.match(step.record.state.message, /rollback to A failed/);
    const writes = h.cluster.writes().length;
    for (const trigger of [recheck, auto('B')]) {
      const after = await h.step(trigger);
      assert.deepEqual(after.result.actions, []);
    }
    assert.equal(h.cluster.writes().length, writes);
  });

  it('retries transient failures with backoff, then counts them as a failed sync', async () => {
    const h = harness({ retry: { limit: 3, backoffMs: 1_000, factor: 2, maxBackoffMs: 60_000, jitter: 0 } });
    h.revisions.set('A', [config('cfg')]);
    h.cluster.failWith = (call) => (call.method === 'apply' ? new ClusterError('Transient', 'ConfigMap/shop/cfg: apply failed: etcd timeout') : undefined);
    const first = await h.step(auto('A'));
    assert.equal(first.record.state.status, 'Syncing');
    assert.equal(first.recheckAt?.getTime(), h.now.getTime() + 1_000);
    assert.ok(first.recheckAt);
    h.now = first.recheckAt;
    const second = await h.step(recheck);
    assert.equal(second.record.state.status, 'Syncing');
    assert.equal(second.recheckAt?.getTime(), h.now.getTime() + 2_000);
    assert.ok(second.recheckAt);
    h.now = second.recheckAt;
    const third = await h.step(recheck);
    assert.equal(third.record.state.status, 'Degraded');
    assert.equal(third.record.state.reason, 'SyncFailed');
    assert.equal(third.recheckAt, undefined);
    assert.equal(h.renders.length, 3);
    assert.match(third.record.history.at(-1)?.message ?? '', /giving up after 3 attempts/);
  });

  it('does not count a failure while the destination cluster is not answering: the revision is not held back for an outage', async () => {
    const h = harness({ retry: { limit: 2, backoffMs: 1_000, factor: 2, maxBackoffMs: 60_000, jitter: 0 } });
    h.revisions.set('A', [config('cfg')]);
    let down = true;
    h.deps = { ...h.deps, destinationUnavailable: () => down };
    h.cluster.failWith = (call) => (down && call.method === 'apply' ? new ClusterError('Transient', 'ConfigMap/shop/cfg: apply failed: connect ECONNREFUSED') : undefined);
    let step = await h.step(auto('A'));
    for (let i = 0; i < 5; i += 1) {
      assert.equal(step.record.state.status, 'Syncing', `attempt ${i + 1} during the outage counted`);
      assert.equal(step.recheckAt?.getTime(), h.now.getTime() + 1_000);
      assert.match(step.record.history.at(-1)?.message ?? '', /the destination cluster is not answering; retrying in 1\.0s \(not counted as an attempt\)/);
      assert.ok(step.recheckAt);
      h.now = step.recheckAt;
      step = await h.step(recheck);
    }
    down = false;
    assert.ok(step.recheckAt);
    h.now = step.recheckAt;
    step = await h.step(recheck);
    assert.notEqual(step.record.state.status, 'Degraded');
    assert.equal(step.record.state.failedRevision, undefined);
  });

  it('holds no revision back for a render or a sync that failed for good while the destination was not answering', async () => {
    const h = harness({ retry: { limit: 1, backoffMs: 1_000, factor: 2, maxBackoffMs: 60_000, jitter: 0 } });
    h.revisions.set('A', new Error('discovery: connect ECONNREFUSED'));
    h.deps = { ...h.deps, destinationUnavailable: () => true };
    const rendered = await h.step(auto('A'));
    assert.equal(rendered.record.state.status, 'Syncing');
    assert.equal(rendered.record.state.failedRevision, undefined);
    assert.match(rendered.record.history.at(-1)?.message ?? '', /render of A failed: discovery: connect ECONNREFUSED; the destination cluster is not answering/);
    h.revisions.set('A', [config('cfg')]);
    h.cluster.failWith = (call) => (call.method === 'apply' ? new ClusterError('Invalid', 'ConfigMap/shop/cfg: apply failed: 503 from a proxy') : undefined);
    assert.ok(rendered.recheckAt);
    h.now = rendered.recheckAt;
    const synced = await h.step(recheck);
    assert.equal(synced.record.state.status, 'Syncing');
    assert.equal(synced.record.state.failedRevision, undefined);
  });

  it('follows the Application\'s retry policy: its limit of attempts and its capped backoff', async () => {
    const h = harness({ retry: { limit: 4, backoffMs: 1_000, factor: 2, maxBackoffMs: 3_000, jitter: 0 } });
    h.revisions.set('A', [config('cfg')]);
    h.cluster.failWith = (call) => (call.method === 'apply' ? new ClusterError('Transient', 'ConfigMap/shop/cfg: apply failed: etcd timeout') : undefined);
    const delays: number[] = [];
    let step = await h.step(auto('A'));
    while (step.recheckAt) {
      delays.push(step.recheckAt.getTime() - h.now.getTime());
      h.now = step.recheckAt;
      step = await h.step(recheck);
    }
    assert.deepEqual(delays, [1_000, 2_000, 3_000]);
    assert.equal(h.renders.length, 4);
    assert.equal(step.record.state.status, 'Degraded');
    assert.match(step.record.history.at(-1)?.message ?? '', /giving up after 4 attempts/);
  });

  it('with a limit of 1, counts the first transient failure as a failed sync', async () => {
    const h = harness({ retry: { limit: 1, backoffMs: 1_000, factor: 2, maxBackoffMs: 3_000, jitter: 0.5 } });
    h.revisions.set('A', [config('cfg')]);
    h.cluster.failWith = (call) => (call.method === 'apply' ? new ClusterError('Transient', 'ConfigMap/shop/cfg: apply failed: etcd timeout') : undefined);
    const step = await h.step(auto('A'));
    assert.equal(step.recheckAt, undefined);
    assert.equal(step.record.state.reason, 'SyncFailed');
    assert.equal(step.record.retry?.attempts, 1, 'the record says the retries were used up');
  });

  it('heals drift of the running revision on a drift trigger when self-heal is on, without moving the release', async () => {
    const h = harness({ selfHeal: true });
    h.revisions.set('A', [namespace, deployment('web:1')]);
    await h.step(auto('A'));
    const live = h.cluster.find('Deployment', 'shop', 'web');
    assert.ok(live);
    const [container] = (live.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers;
    assert.ok(container);
    container.image = 'web:hotfix';
    const state = h.record.state;
    const step = await h.step({ type: 'drift', revision: 'A' });
    assert.deepEqual(step.result.actions.map((a) => a.kind), ['heal']);
    assert.equal(liveImage(h.cluster), 'web:1');
    assert.equal(JSON.stringify(step.record.state), JSON.stringify(state));
    assert.match(step.record.history.at(-1)?.message ?? '', /^self-heal: /);
  });

  it('leaves drift alone on a drift trigger when self-heal is off', async () => {
    const h = harness();
    h.revisions.set('A', [namespace, deployment('web:1')]);
    await h.step(auto('A'));
    const writes = h.cluster.writes().length;
    const step = await h.step({ type: 'drift', revision: 'A' });
    assert.deepEqual(step.result.actions, []);
    assert.equal(h.cluster.writes().length, writes);
  });

  it('heals drift after a failed first rollout left the release Degraded', async () => {
    const h = harness({ selfHeal: true });
    h.revisions.set('A', [namespace, config('cfg'), deployment('web:1', { broken: true })]);
    const failed = await h.step(auto('A'));
    assert.equal(failed.record.state.status, 'Degraded');
    h.cluster.objects.delete([...h.cluster.objects.keys()].find((key) => key.includes('ConfigMap')) ?? '');
    const step = await h.step({ type: 'drift', revision: 'A' });
    assert.deepEqual(step.result.actions.map((a) => a.kind), ['heal']);
    assert.ok(h.cluster.find('ConfigMap', 'shop', 'cfg'), 'the deleted ConfigMap was not recreated');
    assert.equal(step.record.state.status, 'Degraded');
  });

  it('adopts a commit that changes nothing of the Application: no write, no history entry', async () => {
    const h = harness();
    h.revisions.set('A', [config('cfg')]);
    await h.step(auto('A'));
    const writes = h.cluster.writes().length;
    const history = h.record.history.length;
    const step = await h.step({ type: 'unchanged', revision: 'B', message: 'B changes nothing under apps/web' });
    assert.deepEqual(step.result.actions.map((a) => a.kind), ['adopt']);
    assert.equal(step.record.appliedRevision, 'B');
    assert.equal(step.record.state.lastHealthyRevision, 'B');
    assert.equal(h.cluster.writes().length, writes);
    assert.equal(step.record.history.length, history);
    assert.equal(h.renders.length, 1);
  });

  it('retries a render that failed for a transient reason instead of failing the revision', async () => {
    const h = harness();
    let fetches = 0;
    h.revisions.set('A', [config('cfg')]);
    const render = h.deps.render.bind(h.deps);
    h.deps.render = (revision) => {
      fetches += 1;
      return fetches === 1 ? Promise.reject(new TransientSyncError('git: connection reset')) : render(revision);
    };
    const first = await h.step(auto('A'));
    assert.equal(first.record.state.status, 'Syncing');
    assert.equal(first.record.state.failedRevision, undefined);
    assert.ok(first.recheckAt);
    h.now = first.recheckAt;
    const second = await h.step(recheck);
    assert.equal(second.record.state.status, 'Healthy');
  });

  it('never loops: whatever happens, at most two syncs between two moves of the tracked ref', async () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const h = harness({ retry: { limit: 1, backoffMs: 1_000, factor: 2, maxBackoffMs: 60_000, jitter: 0 } });
    const kinds = ['good', 'broken', 'unrenderable'] as const;
    const names = ['A', 'B', 'C', 'D', 'E'];
    for (const [index, name] of names.entries()) {
      const kind = kinds[index % kinds.length];
      h.revisions.set(name, kind === 'unrenderable' ? new Error('render failed') : [deployment(`web:${name}`, { broken: kind === 'broken' })]);
    }
    let tracked: string | undefined;
    let syncsSinceMove = 0;
    for (let i = 0; i < 300; i += 1) {
      const choice = random(4);
      const trigger: ReleaseTrigger = choice === 0 ? recheck : { type: 'revision', revision: names[random(names.length)] ?? 'A', initiator: choice === 1 ? 'webhook' : 'auto' };
      if (trigger.type === 'revision' && trigger.revision !== tracked) {
        tracked = trigger.revision;
        syncsSinceMove = 0;
      }
      const step = await h.step(trigger);
      syncsSinceMove += step.result.syncs.length;
      assert.ok(syncsSinceMove <= 2, `step ${i}: ${syncsSinceMove} syncs since the ref moved to ${tracked ?? '-'}`);
      assert.ok(step.result.actions.length <= 4);
      if (step.recheckAt) h.now = step.recheckAt;
    }
  });
});
