import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRef, type KubeObject } from '../objects.ts';
import type { ChangeEntry } from './change-set.ts';
import { renderedRevision } from './desired.ts';
import { runSync, type SyncResult } from './engine.ts';
import { ClusterError } from './errors.ts';
import { emptyInventory, type Inventory } from './inventory.ts';
import type { SyncOptions } from './options.ts';
import { FakeCluster, fakeClock, obj } from './testing/fake-cluster.ts';

const ns = obj('v1', 'Namespace', '', 'shop');
const cm = (name: string, data: Record<string, string> = { a: '1' }, annotations?: Record<string, string>): KubeObject =>
  obj('v1', 'ConfigMap', 'shop', name, { data, ...(annotations ? { annotations } : {}) });
const deploy = (image = 'web:1', annotations?: Record<string, string>): KubeObject =>
  obj('apps/v1', 'Deployment', 'shop', 'web', { spec: { selector: { app: 'web' }, image }, ...(annotations ? { annotations } : {}) });
const job = (name: string, annotations: Record<string, string>, template = 'v1'): KubeObject =>
  obj('batch/v1', 'Job', 'shop', name, { annotations, spec: { template } });

async function sync(cluster: FakeCluster, objects: KubeObject[], options: Partial<SyncOptions> = {}, previous: Inventory = emptyInventory): Promise<SyncResult> {
  return runSync(cluster, { desired: renderedRevision('abc123', objects), previousInventory: previous }, { clock: fakeClock(), ...options });
}

const actions = (result: SyncResult): string[] => result.changeSet.map((e) => `${e.action} ${formatRef(e.ref)}`);
const entryFor = (result: SyncResult, ref: string): ChangeEntry | undefined => result.changeSet.find((e) => formatRef(e.ref) === ref);
const versions = (cluster: FakeCluster): Record<string, string | undefined> =>
  Object.fromEntries([...cluster.objects].map(([key, o]) => [key, o.metadata.resourceVersion]));

describe('sync engine change set', () => {
  it('creates every object of an empty cluster and records them in the inventory', async () => {
    const cluster = new FakeCluster();
    const result = await sync(cluster, [deploy(), cm('cfg'), ns]);
    assert.deepEqual(actions(result), ['created Namespace/shop', 'created ConfigMap/shop/cfg', 'created Deployment/shop/web']);
    assert.equal(result.phase, 'Succeeded');
    assert.equal(result.reason, 'Synced');
    assert.match(result.message, /synced revision abc123: 3 created/);
    assert.deepEqual(result.inventory.entries.map(formatRef), ['ConfigMap/shop/cfg', 'Namespace/shop', 'Deployment/shop/web']);
    assert.ok(cluster.find('Deployment', 'shop', 'web'));
  });

  it('skips objects that have not drifted: no write, resourceVersion does not move', async () => {
    const cluster = new FakeCluster();
    await sync(cluster, [ns, cm('cfg'), deploy()]);
    const before = versions(cluster);
    const writesBefore = cluster.writes().length;
    const result = await sync(cluster, [ns, cm('cfg'), deploy()]);
    assert.deepEqual(result.changeSet.map((e) => e.action), ['unchanged', 'unchanged', 'unchanged']);
    assert.equal(cluster.writes().length, writesBefore);
    assert.deepEqual(versions(cluster), before);
  });

  it('configures only the object that changed', async () => {
    const cluster = new FakeCluster();
    await sync(cluster, [ns, cm('cfg'), deploy()]);
    const before = versions(cluster);
    const result = await sync(cluster, [ns, cm('cfg', { a: '2' }), deploy()]);
    assert.deepEqual(actions(result), ['unchanged Namespace/shop', 'configured ConfigMap/shop/cfg', 'unchanged Deployment/shop/web']);
    const after = versions(cluster);
    assert.notEqual(after['/ConfigMap/shop/cfg'], before['/ConfigMap/shop/cfg']);
    assert.equal(after['apps/Deployment/shop/web'], before['apps/Deployment/shop/web']);
  });

  it('uses the hasDrifted function it is given', async () => {
    const cluster = new FakeCluster();
    await sync(cluster, [ns, cm('cfg')]);
    const result = await sync(cluster, [ns, cm('cfg', { a: 'ignored' })], { hasDrifted: () => false });
    assert.equal(entryFor(result, 'ConfigMap/shop/cfg')?.action, 'unchanged');
    assert.deepEqual(cluster.find('ConfigMap', 'shop', 'cfg')?.data, { a: '1' });
  });

  it('judges drift by diff/\'s rule with the ignore rules it is given: an ignored field is not healed, and a dry run says so', async () => {
    const cluster = new FakeCluster();
    const scaled = obj('apps/v1', 'Deployment', 'shop', 'web', { spec: { replicas: 1, selector: { app: 'web' } } });
    await sync(cluster, [ns, scaled]);
    cluster.writeAsController('apps/Deployment/shop/web', (live) => { (live.spec as { replicas: number }).replicas = 3; });
    const before = versions(cluster);
    const ignoreReplicas = { ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }] };

    assert.equal(entryFor(await sync(cluster, [ns, scaled], { dryRun: true }), 'Deployment/shop/web')?.action, 'configured');
    assert.equal(entryFor(await sync(cluster, [ns, scaled], { ...ignoreReplicas, dryRun: true }), 'Deployment/shop/web')?.action, 'unchanged');
    assert.equal(entryFor(await sync(cluster, [ns, scaled], ignoreReplicas), 'Deployment/shop/web')?.action, 'unchanged');
    assert.deepEqual(versions(cluster), before);
    assert.equal((cluster.find('Deployment', 'shop', 'web')?.spec as { replicas: number }).replicas, 3);
  });

  it('applies an equal object once when Berth does not own its fields yet', async () => {
    const foreign = { ...cm('cfg'), metadata: { ...cm('cfg').metadata, managedFields: [{ manager: 'kubectl', operation: 'Apply' }] } };
    const cluster = new FakeCluster([ns, foreign]);
    const result = await sync(cluster, [cm('cfg')]);
    assert.equal(entryFor(result, 'ConfigMap/shop/cfg')?.action, 'configured');
    assert.equal(cluster.find('ConfigMap', 'shop', 'cfg')?.metadata.managedFields?.[0]?.manager, 'berth');
  });

  it('reports a failed object with a message naming it, lets its group finish, and skips later waves', async () => {
    const cluster = new FakeCluster([ns]);
    cluster.failWith = (call) => (call.method === 'apply' && call.key === '/ConfigMap/shop/b' ? new ClusterError('Invalid', 'data.x: Invalid value', { code: 422 }) : undefined);
    const result = await sync(cluster, [cm('a'), cm('b'), cm('c'), deploy('web:1', { 'berth.dev/sync-wave': '1' })]);
    assert.deepEqual(actions(result), ['created ConfigMap/shop/a', 'failed ConfigMap/shop/b', 'created ConfigMap/shop/c', 'skipped Deployment/shop/web']);
    assert.equal(entryFor(result, 'ConfigMap/shop/b')?.message, 'ConfigMap/shop/b: apply failed: data.x: Invalid value');
    assert.equal(entryFor(result, 'ConfigMap/shop/b')?.errorReason, 'Invalid');
    assert.match(entryFor(result, 'Deployment/shop/web')?.message ?? '', /not applied: ConfigMap\/shop\/b failed/);
    assert.equal(result.phase, 'Failed');
    assert.equal(result.reason, 'ApplyFailed');
    assert.equal(result.retryable, false);
    assert.equal(cluster.find('Deployment', 'shop', 'web'), undefined);
    assert.deepEqual(result.inventory.entries.map(formatRef), ['ConfigMap/shop/a', 'ConfigMap/shop/c']);
  });

  it('marks the operation retryable when every failure is transient', async () => {
    const cluster = new FakeCluster([ns]);
    cluster.failWith = (call) => (call.method === 'apply' && !call.dryRun ? new ClusterError('Transient', 'etcdserver: request timed out', { code: 504 }) : undefined);
    const result = await sync(cluster, [cm('a')]);
    assert.equal(result.phase, 'Failed');
    assert.equal(result.retryable, true);
    assert.match(result.message, /^ConfigMap\/shop\/a: apply failed: etcdserver/);
  });

  it('reports an immutable-field change for that object and leaves it alone without force', async () => {
    const cluster = new FakeCluster();
    await sync(cluster, [ns, deploy()]);
    const uid = cluster.find('Deployment', 'shop', 'web')?.metadata.uid;
    const changed = { ...deploy(), spec: { selector: { app: 'other' }, image: 'web:1' } };
    const result = await sync(cluster, [ns, changed]);
    const entry = entryFor(result, 'Deployment/shop/web');
    assert.equal(entry?.action, 'failed');
    assert.equal(entry.errorReason, 'Immutable');
    assert.match(entry.message, /^Deployment\/shop\/web: immutable field changed: .*field is immutable; set berth\.dev\/sync-options: Force=true to delete and recreate it$/);
    assert.equal(cluster.find('Deployment', 'shop', 'web')?.metadata.uid, uid);
  });

  for (const [how, annotations, options] of [
    ['the Force=true annotation', { 'berth.dev/sync-options': 'Force=true' }, {}],
    ['the force option', undefined, { force: true }],
  ] as const) {
    it(`deletes and recreates an object on an immutable-field change with ${how}`, async () => {
      const cluster = new FakeCluster();
      await sync(cluster, [ns, deploy('web:1', annotations)]);
      const uid = cluster.find('Deployment', 'shop', 'web')?.metadata.uid;
      const changed = { ...deploy('web:2', annotations), spec: { selector: { app: 'other' }, image: 'web:2' } };
      const result = await sync(cluster, [ns, changed], options);
      assert.equal(entryFor(result, 'Deployment/shop/web')?.action, 'configured');
      assert.match(entryFor(result, 'Deployment/shop/web')?.message ?? '', /^deleted and recreated: /);
      const live = cluster.find('Deployment', 'shop', 'web');
      assert.notEqual(live?.metadata.uid, uid);
      assert.deepEqual((live?.spec as { selector: unknown }).selector, { app: 'other' });
      assert.equal(result.phase, 'Succeeded');
    });
  }

  it('in a dry run returns the whole plan and change set and writes nothing', async () => {
    const cluster = new FakeCluster();
    const crd = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', '', 'widgets.example.com', { spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced' } });
    const previous: Inventory = { entries: [{ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'old' }] };
    const result = await sync(cluster, [ns, crd, obj('example.com/v1', 'Widget', 'shop', 'w'), deploy()], { dryRun: true, prune: true }, previous);
    assert.deepEqual(actions(result), [
      'created Namespace/shop', 'created CustomResourceDefinition/widgets.example.com', 'created Deployment/shop/web', 'created Widget/shop/w', 'skipped ConfigMap/shop/old',
    ]);
    assert.match(entryFor(result, 'Widget/shop/w')?.message ?? '', /dry run; not validated .*CustomResourceDefinition of Widget/);
    assert.match(entryFor(result, 'Deployment/shop/web')?.message ?? '', /Namespace\/shop does not exist yet/);
    assert.deepEqual(cluster.writes(), []);
    assert.equal(cluster.objects.size, 0);
    assert.deepEqual(result.plan.groups.map((g) => g.stage), ['Definitions', 'Resources']);
    assert.equal(result.inventory, previous);
    assert.equal(result.dryRun, true);
  });

  it('in a dry run reports configured and unchanged objects as a real run would', async () => {
    const cluster = new FakeCluster();
    await sync(cluster, [ns, cm('a'), cm('b')]);
    const writes = cluster.writes().length;
    const result = await sync(cluster, [ns, cm('a'), cm('b', { a: '2' }), cm('c')], { dryRun: true });
    assert.deepEqual(result.changeSet.map((e) => e.action), ['unchanged', 'unchanged', 'configured', 'created']);
    assert.equal(cluster.writes().length, writes);
    assert.equal(cluster.find('ConfigMap', 'shop', 'c'), undefined);
  });
});

describe('sync engine namespaces and CRDs', () => {
  it('creates the destination namespace with CreateNamespace, outside the inventory', async () => {
    const cluster = new FakeCluster();
    const result = await sync(cluster, [obj('v1', 'ConfigMap', '', 'cfg')], { createNamespace: true, destinationNamespace: 'guestbook' });
    assert.deepEqual(actions(result), ['created Namespace/guestbook', 'created ConfigMap/guestbook/cfg']);
    assert.deepEqual(result.inventory.entries.map(formatRef), ['ConfigMap/guestbook/cfg']);
    const again = await sync(cluster, [obj('v1', 'ConfigMap', '', 'cfg')], { createNamespace: true, destinationNamespace: 'guestbook' });
    assert.deepEqual(actions(again), ['unchanged Namespace/guestbook', 'unchanged ConfigMap/guestbook/cfg']);
  });

  it('fails objects of a missing namespace without CreateNamespace', async () => {
    const cluster = new FakeCluster();
    const result = await sync(cluster, [obj('v1', 'ConfigMap', '', 'cfg')], { destinationNamespace: 'guestbook' });
    assert.equal(entryFor(result, 'ConfigMap/guestbook/cfg')?.errorReason, 'NotFound');
    assert.match(result.message, /namespaces "guestbook" not found/);
  });

  it('puts namespaced objects without a namespace in the destination and strips it from cluster-scoped ones', async () => {
    const cluster = new FakeCluster([obj('v1', 'Namespace', '', 'dest')]);
    const result = await sync(cluster, [obj('v1', 'ConfigMap', '', 'cfg'), obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'dest', 'reader')], { destinationNamespace: 'dest' });
    assert.deepEqual(actions(result), ['created ConfigMap/dest/cfg', 'created ClusterRole/reader']);
  });

  it('waits for a CRD to be Established before applying its custom resources', async () => {
    const cluster = new FakeCluster([ns]);
    let polls = 0;
    cluster.afterWrite = () => undefined;
    const establishLater = cluster.get.bind(cluster);
    cluster.get = async (ref) => {
      if (ref.kind === 'CustomResourceDefinition' && (polls += 1) === 3) {
        const crd = cluster.find('CustomResourceDefinition', '', ref.name);
        if (crd) crd.status = { conditions: [{ type: 'Established', status: 'True' }] };
      }
      return establishLater(ref);
    };
    const crd = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', '', 'widgets.example.com', { spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced' } });
    const result = await sync(cluster, [obj('example.com/v1', 'Widget', '', 'w'), crd], { destinationNamespace: 'shop' });
    assert.deepEqual(actions(result), ['created CustomResourceDefinition/widgets.example.com', 'created Widget/shop/w']);
    assert.ok(polls >= 3);
  });

  it('fails the custom resources of a CRD that is not Established within the timeout', async () => {
    const cluster = new FakeCluster([ns]);
    cluster.afterWrite = () => undefined;
    const clock = fakeClock();
    const crd = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', '', 'widgets.example.com', { spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Cluster' } });
    const result = await sync(cluster, [crd, obj('example.com/v1', 'Widget', '', 'w')], { clock, crdEstablishedTimeoutMs: 10_000 });
    assert.equal(entryFor(result, 'Widget/w')?.action, 'failed');
    assert.match(entryFor(result, 'Widget/w')?.message ?? '', /^Widget\/w: not applied: CustomResourceDefinition\/widgets\.example\.com is not Established after 10s/);
    assert.ok(clock.now() >= 10_000);
  });
});

describe('sync engine hooks', () => {
  const completeJobs = (cluster: FakeCluster, outcome: (name: string) => 'Complete' | 'Failed'): void => {
    cluster.afterWrite = (o) => {
      if (o.kind === 'Job') o.status = { conditions: [{ type: outcome(o.metadata.name ?? ''), status: 'True', reason: 'BackoffLimitExceeded' }] };
    };
  };

  it('runs a PreSync Job to completion before the Deployment changes', async () => {
    const cluster = new FakeCluster([ns]);
    completeJobs(cluster, () => 'Complete');
    const result = await sync(cluster, [deploy(), job('migrate', { 'berth.dev/hook': 'PreSync' })]);
    assert.deepEqual(actions(result), ['created Job/shop/migrate', 'created Deployment/shop/web']);
    assert.match(entryFor(result, 'Job/shop/migrate')?.message ?? '', /job completed/);
    const keys = cluster.calls.map((c) => `${c.method}${c.dryRun === false ? '!' : ''} ${c.key}`);
    const jobChecked = keys.lastIndexOf('get batch/Job/shop/migrate');
    assert.ok(jobChecked < keys.indexOf('apply! apps/Deployment/shop/web'));
    assert.deepEqual(result.inventory.entries.map(formatRef), ['Deployment/shop/web']);
  });

  it('recreates a hook on every sync (BeforeHookCreation) and deletes it when it succeeded if asked', async () => {
    const cluster = new FakeCluster([ns]);
    completeJobs(cluster, () => 'Complete');
    await sync(cluster, [job('again', { 'berth.dev/hook': 'PreSync' }), job('gone', { 'berth.dev/hook': 'PreSync', 'berth.dev/hook-delete-policy': 'HookSucceeded' })]);
    const first = cluster.find('Job', 'shop', 'again')?.metadata.uid;
    assert.equal(cluster.find('Job', 'shop', 'gone'), undefined);
    await sync(cluster, [job('again', { 'berth.dev/hook': 'PreSync' })]);
    assert.notEqual(cluster.find('Job', 'shop', 'again')?.metadata.uid, first);
  });

  it('stops on a failed hook, skips the Sync phase and runs the SyncFail hooks', async () => {
    const cluster = new FakeCluster([ns]);
    completeJobs(cluster, (name) => (name === 'migrate' ? 'Failed' : 'Complete'));
    const result = await sync(cluster, [deploy(), job('migrate', { 'berth.dev/hook': 'PreSync' }), job('notify', { 'berth.dev/hook': 'SyncFail' })]);
    assert.deepEqual(actions(result), ['failed Job/shop/migrate', 'skipped Deployment/shop/web', 'created Job/shop/notify']);
    assert.match(entryFor(result, 'Job/shop/migrate')?.message ?? '', /^Job\/shop\/migrate: hook failed: job failed: BackoffLimitExceeded/);
    assert.equal(result.reason, 'HookFailed');
    assert.equal(cluster.find('Deployment', 'shop', 'web'), undefined);
  });

  it('creates a generateName hook under a fresh name each run and deletes that run by its name', async () => {
    const cluster = new FakeCluster([ns]);
    completeJobs(cluster, () => 'Complete');
    const smoke: KubeObject = {
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { generateName: 'smoke-', namespace: 'shop', annotations: { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' } },
    };
    const names: string[] = [];
    for (let run = 0; run < 2; run += 1) {
      const result = await sync(cluster, [deploy(), smoke]);
      assert.equal(result.reason, 'Synced', result.message);
      const entry = result.changeSet.find((e) => e.phase === 'PostSync');
      assert.equal(entry?.action, 'created');
      assert.match(entry.ref.name, /^smoke-[a-z0-9]{5}$/);
      assert.ok(cluster.calls.some((c) => c.method === 'apply' && c.dryRun === false && c.key === `batch/Job/shop/${entry.ref.name}`), 'created under that name');
      assert.equal(cluster.find('Job', 'shop', entry.ref.name), undefined, 'deleted once it succeeded');
      names.push(entry.ref.name);
    }
    assert.notEqual(names[0], names[1]);
    assert.ok(cluster.calls.some((c) => c.method === 'delete' && c.key === `batch/Job/shop/${names[1] ?? ''}`));
  });

  it('never applies a Helm test or an Argo CD Skip, says so per object, and manages neither', async () => {
    const cluster = new FakeCluster([ns]);
    const testPod = obj('v1', 'Pod', 'shop', 'web-test', { annotations: { 'helm.sh/hook': 'test' } });
    const skipped = cm('scratch', {}, { 'argocd.argoproj.io/hook': 'Skip' });
    const result = await sync(cluster, [deploy(), testPod, skipped]);
    assert.deepEqual(actions(result), ['skipped ConfigMap/shop/scratch', 'skipped Pod/shop/web-test', 'created Deployment/shop/web']);
    assert.match(entryFor(result, 'Pod/shop/web-test')?.message ?? '', /^Pod\/shop\/web-test: not applied: helm\.sh\/hook: test: a Helm test/);
    assert.equal(cluster.find('Pod', 'shop', 'web-test'), undefined);
    assert.equal(result.reason, 'Synced');
    assert.deepEqual(result.inventory.entries.map(formatRef), ['Deployment/shop/web']);
  });

  it('runs a Helm pre-install ConfigMap hook (any kind is a hook for Helm) before the release, done once it exists', async () => {
    const cluster = new FakeCluster([ns]);
    const seed = cm('seed', { rows: '3' }, { 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': '-5' });
    const result = await sync(cluster, [deploy(), seed]);
    assert.deepEqual(actions(result), ['created ConfigMap/shop/seed', 'created Deployment/shop/web']);
    assert.match(entryFor(result, 'ConfigMap/shop/seed')?.message ?? '', /ConfigMap exists/);
    assert.deepEqual(result.inventory.entries.map(formatRef), ['Deployment/shop/web']);
  });

  it('skips SyncFail hooks when the sync succeeds', async () => {
    const cluster = new FakeCluster([ns]);
    const result = await sync(cluster, [deploy(), job('notify', { 'berth.dev/hook': 'SyncFail' })]);
    assert.deepEqual(actions(result), ['created Deployment/shop/web', 'skipped Job/shop/notify']);
    assert.equal(cluster.find('Job', 'shop', 'notify'), undefined);
  });

  it('fails a hook that does not finish within the hook timeout', async () => {
    const cluster = new FakeCluster([ns]);
    const result = await sync(cluster, [job('slow', { 'berth.dev/hook': 'PreSync' }), deploy()], { hookTimeoutMs: 30_000 });
    assert.match(entryFor(result, 'Job/shop/slow')?.message ?? '', /did not finish within 30s: job is running/);
    assert.equal(entryFor(result, 'Deployment/shop/web')?.action, 'skipped');
  });
});
