import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ApplicationDiff, ObjectDiff } from '../diff/index.ts';
import { refKey, refOf, type KubeObject, type ObjectRef } from '../objects.ts';
import { ClusterError, type ApplyRequestOptions, type ClusterClient } from './cluster.ts';
import { jobSpecHash } from './completed-jobs.ts';
import { checkDrift } from './drift-check.ts';

/**
 * Just enough of an API server for the drift check: a store of live objects, a dry run
 * that answers "live with desired's fields laid over it" and stores nothing, injectable
 * failures, a log of apply options, and the most calls ever in flight at once.
 */
class FakeClusterClient implements ClusterClient {
  readonly live = new Map<string, KubeObject>();
  readonly applyOptions: ApplyRequestOptions[] = [];
  readonly gets: string[] = [];
  failDryRun = new Map<string, ClusterError>();
  failGet = new Map<string, ClusterError>();
  /** Runs right after a dry run is answered: a controller writing between the dry run and the get. */
  afterDryRun: (live: KubeObject | undefined) => void = () => undefined;
  inFlight = 0;
  maxInFlight = 0;

  constructor(objects: KubeObject[]) {
    for (const object of objects) this.live.set(refKey(refOf(object)), structuredClone(object));
  }

  private async track<T>(work: () => T): Promise<T> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await nextTurn();
      return work();
    } finally {
      this.inFlight -= 1;
    }
  }

  apply(object: KubeObject, options: ApplyRequestOptions): Promise<KubeObject> {
    this.applyOptions.push(options);
    return this.track(() => {
      const key = refKey(refOf(object));
      const failure = this.failDryRun.get(key);
      if (failure) throw failure;
      const live = this.live.get(key);
      const predicted = overlay(live ?? {}, object) as KubeObject;
      this.afterDryRun(live);
      return predicted;
    });
  }

  get(ref: ObjectRef): Promise<KubeObject | undefined> {
    this.gets.push(refKey(ref));
    return this.track(() => {
      const failure = this.failGet.get(refKey(ref));
      if (failure) throw failure;
      const live = this.live.get(refKey(ref));
      return live && structuredClone(live);
    });
  }

  readonly lists: string[] = [];
  failList = false;

  list(apiVersion: string, kind: string, options: { namespace?: string }): Promise<KubeObject[]> {
    this.lists.push(`${apiVersion}/${kind}/${options.namespace ?? ''}`);
    return this.track(() => {
      if (this.failList) throw new ClusterError('Forbidden', `${kind}: list failed: forbidden`);
      return [...this.live.values()]
        .filter((object) => object.apiVersion === apiVersion && object.kind === kind && (options.namespace === undefined || object.metadata.namespace === options.namespace))
        .map((object) => structuredClone(object));
    });
  }

  delete(): Promise<void> {
    return Promise.reject(new Error('the drift check must not delete'));
  }

  resourceScope(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
}

function overlay(base: unknown, top: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof top !== 'object' || top === null || Array.isArray(top)) {
    return structuredClone(top);
  }
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(top)) merged[key] = overlay(merged[key], value);
  return merged;
}

function configMap(name: string, data: Record<string, string>, namespace = 'shop'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

function deployment(name: string, image: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } } },
  };
}

const byName = (result: ApplicationDiff, name: string): ObjectDiff | undefined => result.objects.find((object) => object.ref.name === name);

describe('checkDrift', () => {
  it('reports Synced objects, drift with its patch, and objects that do not exist yet', async () => {
    const cluster = new FakeClusterClient([configMap('same', { a: '1' }), deployment('web', 'nginx:1.27')]);
    const result = await checkDrift(cluster, [configMap('same', { a: '1' }), deployment('web', 'nginx:1.28'), configMap('new', { b: '2' })]);

    assert.equal(byName(result, 'same')?.status, 'Synced');
    assert.equal(byName(result, 'web')?.status, 'OutOfSync');
    assert.deepEqual(byName(result, 'web')?.patch, [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.28' }]);
    assert.equal(byName(result, 'new')?.status, 'Missing');
    assert.equal(result.status, 'OutOfSync');
    assert.deepEqual(result.counts, { Synced: 1, OutOfSync: 1, Missing: 1, Extraneous: 0 });
  });

  it('counts a Job that completed with its desired spec and is gone (its TTL) as Synced; with another spec, Missing', async () => {
    const job = (image: string): KubeObject => ({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'shop' },
      spec: { ttlSecondsAfterFinished: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image }] } } },
    });
    const completedJobs = [{ namespace: 'shop', name: 'migrate', revision: 'A', specHash: jobSpecHash(job('migrate:1')) }];
    const cluster = new FakeClusterClient([configMap('same', { a: '1' })]);
    const same = await checkDrift(cluster, [configMap('same', { a: '1' }), job('migrate:1')], { completedJobs });
    assert.equal(byName(same, 'migrate')?.status, 'Synced');
    assert.equal(same.status, 'Synced');
    assert.deepEqual(same.counts, { Synced: 2, OutOfSync: 0, Missing: 0, Extraneous: 0 });

    const changed = await checkDrift(cluster, [configMap('same', { a: '1' }), job('migrate:2')], { completedJobs });
    assert.equal(byName(changed, 'migrate')?.status, 'Missing');
    assert.equal(changed.status, 'OutOfSync');
  });

  it('only dry-runs, always with force, and reads every object', async () => {
    const desired = [configMap('a', {}), configMap('b', {}), configMap('c', {})];
    const cluster = new FakeClusterClient(desired);
    const result = await checkDrift(cluster, desired);

    assert.deepEqual(cluster.applyOptions, desired.map(() => ({ dryRun: true, forceConflicts: true })));
    assert.deepEqual(cluster.gets.sort(), desired.map((object) => refKey(refOf(object))).sort());
    assert.equal(result.status, 'Synced');
    assert.deepEqual({ dryRuns: result.timings.dryRuns, dryRunFailures: result.timings.dryRunFailures, gets: result.timings.gets }, { dryRuns: 3, dryRunFailures: 0, gets: 3 });
    assert.ok(result.timings.totalMs >= result.timings.clusterMs + result.timings.diffMs - 1e-6);
  });

  it('falls back to the desired subset for an object whose dry run fails, and says why', async () => {
    const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' }, spec: { size: 2 } };
    const cluster = new FakeClusterClient([configMap('ok', { a: '1' }), { ...widget, spec: { size: 3, color: 'blue' } }]);
    cluster.failDryRun.set(refKey(refOf(widget)), new ClusterError('NotFound', 'Widget/shop/w: the server does not serve Widget in example.com/v1'));

    const result = await checkDrift(cluster, [configMap('ok', { a: '1' }), widget]);

    assert.equal(byName(result, 'ok')?.mode, 'server-side-dry-run');
    assert.equal(byName(result, 'w')?.mode, 'desired-subset');
    assert.deepEqual(byName(result, 'w')?.patch, [{ op: 'replace', path: '/spec/size', value: 2 }]);
    assert.deepEqual(result.fallbacks, [{ ref: refOf(widget), reason: 'NotFound', message: 'Widget/shop/w: the server does not serve Widget in example.com/v1' }]);
    assert.equal(result.timings.dryRunFailures, 1);
  });

  it('names the object in a fallback message that did not, and keeps Secret values out of it', async () => {
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'shop' }, stringData: { password: 'hunter2-very-secret' } };
    const cluster = new FakeClusterClient([]);
    const encoded = Buffer.from('hunter2-very-secret').toString('base64');
    cluster.failDryRun.set(refKey(refOf(secret)), new ClusterError('Invalid', `bad value hunter2-very-secret (${encoded})`));

    const result = await checkDrift(cluster, [secret]);

    const [fallback] = result.fallbacks;
    assert.equal(fallback?.message, 'Secret/shop/creds: apply (dry run) failed: bad value <masked> (<masked>)');
    const output = JSON.stringify(result);
    assert.ok(!output.includes('hunter2-very-secret') && !output.includes(encoded), output);
  });

  it('reports objects of the previous inventory that Git no longer has as Extraneous', async () => {
    const cluster = new FakeClusterClient([configMap('kept', {}), configMap('dropped', {}), configMap('other-ns', {}, 'other')]);
    const inventory = [configMap('kept', {}), configMap('dropped', {}), configMap('already-gone', {})].map(refOf);

    const result = await checkDrift(cluster, [configMap('kept', {})], { previousInventory: inventory });

    assert.deepEqual(result.objects.map(({ ref, status }) => [ref.name, status]), [['kept', 'Synced'], ['dropped', 'Extraneous']]);
    assert.equal(result.status, 'OutOfSync');
    assert.equal(result.timings.gets, 3);
  });

  it('never has more objects in flight than the concurrency allows', async () => {
    const desired = Array.from({ length: 40 }, (_, i) => configMap(`cm-${i}`, { i: String(i) }));
    const cluster = new FakeClusterClient(desired);

    await checkDrift(cluster, desired, { concurrency: 4 });

    // Each object has its dry run and its get in flight together.
    assert.equal(cluster.maxInFlight, 8);
  });

  it('reads an object again when a controller wrote between its dry run and its get', async () => {
    const web = { ...deployment('web', 'nginx:1.27'), metadata: { name: 'web', namespace: 'shop', resourceVersion: '7' } };
    const cluster = new FakeClusterClient([web]);
    let writes = 0;
    cluster.afterDryRun = (live) => {
      if (!live || writes >= 1) return;
      writes += 1;
      live.metadata = { ...live.metadata, resourceVersion: '8', annotations: { 'deployment.kubernetes.io/revision': '2' } };
    };

    const result = await checkDrift(cluster, [deployment('web', 'nginx:1.27')]);

    assert.equal(result.status, 'Synced', JSON.stringify(result.objects[0]?.patch));
    assert.equal(result.timings.retries, 1);
    assert.equal(result.timings.dryRuns, 2);
  });

  it('gives up re-reading after consistencyRetries and compares the last reading', async () => {
    const web = { ...deployment('web', 'nginx:1.27'), metadata: { name: 'web', namespace: 'shop', resourceVersion: '1' } };
    const cluster = new FakeClusterClient([web]);
    let version = 1;
    cluster.afterDryRun = (live) => {
      if (!live) return;
      version += 1;
      live.metadata = { ...live.metadata, resourceVersion: String(version), annotations: { revision: String(version) } };
    };

    const result = await checkDrift(cluster, [deployment('web', 'nginx:1.27')], { consistencyRetries: 2 });

    assert.equal(result.timings.retries, 2);
    assert.equal(result.timings.dryRuns, 3);
    assert.equal(result.status, 'OutOfSync');
  });

  it('reads a large group of one kind in one namespace with one list, and small groups with gets', async () => {
    const many = Array.from({ length: 5 }, (_, i) => configMap(`cm-${i}`, { i: String(i) }));
    const few = [configMap('elsewhere', {}, 'other')];
    const cluster = new FakeClusterClient([...many.slice(0, 4), ...few, configMap('not-desired', {})]);
    cluster.live.set(refKey(refOf(many[1] ?? assert.fail())), configMap('cm-1', { i: 'changed' }));

    const result = await checkDrift(cluster, [...many, ...few], { lister: cluster, listThreshold: 3 });

    assert.deepEqual(cluster.lists, ['v1/ConfigMap/shop']);
    assert.deepEqual(cluster.gets, [refKey(refOf(few[0] ?? assert.fail()))]);
    assert.deepEqual(result.objects.map(({ ref, status }) => `${ref.name} ${status}`), ['cm-0 Synced', 'cm-1 OutOfSync', 'cm-2 Synced', 'cm-3 Synced', 'cm-4 Missing', 'elsewhere Synced']);
    assert.deepEqual({ lists: result.timings.lists, gets: result.timings.gets }, { lists: 1, gets: 1 });
  });

  it('reads each object with a get when its list fails', async () => {
    const many = Array.from({ length: 3 }, (_, i) => configMap(`cm-${i}`, {}));
    const cluster = new FakeClusterClient(many);
    cluster.failList = true;

    const result = await checkDrift(cluster, many, { lister: cluster, listThreshold: 2 });

    assert.equal(result.status, 'Synced');
    assert.equal(cluster.gets.length, 3);
  });

  it('passes the diff options on', async () => {
    const cluster = new FakeClusterClient([deployment('web', 'nginx:1.27')]);
    const result = await checkDrift(cluster, [deployment('web', 'nginx:1.28')], {
      diff: { ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/template/spec/containers/0/image'] }] },
    });
    assert.equal(result.status, 'Synced');
  });

  it('fails when a live object cannot be read, since no status could be trusted', async () => {
    const cluster = new FakeClusterClient([]);
    cluster.failGet.set(refKey(refOf(configMap('b', {}))), new ClusterError('Forbidden', 'ConfigMap/shop/b: get failed: forbidden'));

    await assert.rejects(checkDrift(cluster, [configMap('a', {}), configMap('b', {})]), { name: 'ClusterError', reason: 'Forbidden' });
  });

  it('refuses a concurrency that is not a positive integer, and negative retries', async () => {
    await assert.rejects(checkDrift(new FakeClusterClient([]), [], { concurrency: 0 }), RangeError);
    await assert.rejects(checkDrift(new FakeClusterClient([]), [], { consistencyRetries: -1 }), RangeError);
  });
});
