/**
 * Zero false drift: the corpus (test/drift/corpus) applied for real, then checked against
 * the same manifests, is Synced object by object, right after the controllers settle and
 * again after they have had time to write status, scale through the HPA and finish the Job.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatRef, refOf, type KubeObject } from '../../objects.ts';
import { checkDrift, type DriftCheckResult } from '../../sync/drift-check.ts';
import { testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { applyAll, byName, connect, loadCorpus, read, type Live } from './live.ts';
import { captureCase } from './capture.ts';

let live: Live;
before(async () => { live = await connect(); });
after(async () => {
  await live.cluster.delete({ group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', namespace: '', name: 'gadgets.drift.berth.dev' }, { propagation: 'Background' });
  live.rest.close();
});

/** Every object that is not Synced, with its text diff, for the assertion message. */
function unsynced(result: DriftCheckResult): string {
  return result.objects.filter((object) => object.status !== 'Synced').map((object) => `${formatRef(object.ref)}: ${object.status}\n${object.diff}`).join('\n')
    + result.fallbacks.map((fallback) => `fallback: ${fallback.message}`).join('\n');
}

function assertAllSynced(result: DriftCheckResult, corpus: readonly KubeObject[]): void {
  assert.deepEqual(result.objects.map((object) => formatRef(object.ref)), corpus.map((object) => formatRef(refOf(object))));
  assert.equal(result.status, 'Synced', unsynced(result));
  assert.deepEqual(result.fallbacks, []);
  for (const object of result.objects) assert.equal(object.mode, 'server-side-dry-run', formatRef(object.ref));
}

const replicasOf = (object: KubeObject): unknown => (object.spec as { replicas?: unknown }).replicas;
const succeededOf = (object: KubeObject): unknown => (object.status as { succeeded?: unknown } | undefined)?.succeeded;

const at = (object: KubeObject, path: string): unknown => path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], object);

/** The corpus is only a test of normalization if the cluster really filled in and rewrote what Git says. */
async function assertDefaultsFilledIn(corpus: readonly KubeObject[]): Promise<void> {
  const gadget = await read(live, byName(corpus, 'Gadget', 'blue'));
  assert.deepEqual([at(gadget, 'spec.mode'), at(gadget, 'spec.options.retries'), at(gadget, 'spec.ports.0.protocol')], ['fast', 5, 'TCP']);
  const job = await read(live, byName(corpus, 'Job', 'migrate'));
  const selector = at(job, 'spec.selector.matchLabels') as Record<string, string>;
  assert.ok('batch.kubernetes.io/controller-uid' in selector, JSON.stringify(selector));
  assert.equal((at(job, 'spec.template.metadata.labels') as Record<string, string>)['job-name'], 'migrate');
  const service = await read(live, byName(corpus, 'Service', 'web'));
  assert.deepEqual(at(service, 'spec.ports'), [
    { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
    { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 9090 },
  ]);
  assert.match(String(at(service, 'spec.clusterIP')), /^\d+\.\d+\.\d+\.\d+$/);
  const autoscaled = await read(live, byName(corpus, 'Deployment', 'autoscaled'));
  assert.deepEqual(at(autoscaled, 'spec.template.spec.containers.0.resources'), { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } });
  const secret = await read(live, byName(corpus, 'Secret', 'credentials'));
  assert.equal(at(secret, 'stringData'), undefined);
  assert.deepEqual(Object.keys(at(secret, 'data') as object).sort(), ['password', 'username']);
}

describe('drift check of an applied corpus on the real control plane', () => {
  it('finds every object Synced, after the controllers settle and again after they keep writing', async (t) => {
    const namespace = await testNamespace(t, 'drift-zero');
    const corpus = loadCorpus(namespace);
    await applyAll(live, corpus);

    // The HPA scales the Deployment it owns from the default 1 to its minimum, and the Job completes.
    await eventually('the HPA to scale autoscaled to 2', async () => (replicasOf(await read(live, byName(corpus, 'Deployment', 'autoscaled'))) === 2 ? true : undefined));
    await eventually('the Job to complete', async () => (succeededOf(await read(live, byName(corpus, 'Job', 'migrate'))) === 1 ? true : undefined));

    await assertDefaultsFilledIn(corpus);

    const first = await checkDrift(live.cluster, corpus);
    assertAllSynced(first, corpus);
    await captureCase(live, corpus, first);

    await sleep(12_000);
    // The second time with live objects read by lists wherever a kind has two or more objects.
    const second = await checkDrift(live.cluster, corpus, { lister: live.cluster, listThreshold: 2 });
    assert.ok(second.timings.lists >= 3, `${second.timings.lists} lists`);
    assertAllSynced(second, corpus);
    // Still the HPA's number, which Berth neither owns nor would change.
    const autoscaled = await read(live, byName(corpus, 'Deployment', 'autoscaled'));
    assert.equal(replicasOf(autoscaled), 2);
    const berthFields = JSON.stringify((autoscaled.metadata.managedFields ?? []).find((entry) => entry.manager === 'berth')?.fieldsV1 ?? null);
    assert.ok(!berthFields.includes('"f:replicas"'), berthFields);
  });
});
