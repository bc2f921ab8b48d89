/**
 * ignoreDifferences on the real control plane: JSON pointers hide exactly the fields they
 * name, and managedFieldsManagers hides what those managers own in the live object (the
 * HPA controller's replicas when Git also sets them), while other drift stays visible.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatRef } from '../../objects.ts';
import { checkDrift, type DriftCheckResult } from '../../sync/drift-check.ts';
import { renderedRevision } from '../../sync/desired.ts';
import { prepareDesired } from '../../sync/desired-payload.ts';
import { runSync } from '../../sync/engine.ts';
import { emptyInventory } from '../../sync/inventory.ts';
import { testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { captureOne } from './capture.ts';
import { applyAll, connect, patchAs, read, type Live } from './live.ts';
import { deployment, hpa } from './objects.ts';

let live: Live;
before(async () => { live = await connect(); });
after(() => { live.rest.close(); });

const imagePath = '/spec/template/spec/containers/0/image';
const pathsOf = (result: DriftCheckResult): string[] => result.objects.flatMap((object) => object.patch.map((operation) => `${formatRef(object.ref)} ${operation.path}`));

describe('ignoreDifferences on the real control plane', () => {
  it('hides the fields named by JSON pointers and nothing else', async (t) => {
    const ns = await testNamespace(t, 'drift-ignore');
    const web = deployment(ns, 'web');
    await applyAll(live, [web]);
    await patchAs(live, 'kubectl-edit', web, { metadata: { labels: { team: 'platform' } }, spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example.com/web:9.9' }] } } } });

    const plain = await checkDrift(live.cluster, [web]);
    assert.deepEqual(pathsOf(plain), [`Deployment/${ns}/web /metadata/labels/team`, `Deployment/${ns}/web ${imagePath}`]);

    const ignoreImage = { group: 'apps', kind: 'Deployment', jsonPointers: [imagePath] };
    const ignored = await checkDrift(live.cluster, [web], { diff: { ignoreDifferences: [ignoreImage] } });
    assert.deepEqual(pathsOf(ignored), [`Deployment/${ns}/web /metadata/labels/team`]);

    const both = await checkDrift(live.cluster, [web], { diff: { ignoreDifferences: [{ ...ignoreImage, jsonPointers: [imagePath, '/metadata/labels/team'] }] } });
    assert.equal(both.status, 'Synced', pathsOf(both).join('\n'));

    // A rule for another object changes nothing here.
    const elsewhere = await checkDrift(live.cluster, [web], { diff: { ignoreDifferences: [{ ...ignoreImage, name: 'api' }] } });
    assert.equal(pathsOf(elsewhere).length, 2);
  });

  it('hides replicas that the HPA controller took over when Git also sets them, with managedFieldsManagers', async (t) => {
    const ns = await testNamespace(t, 'drift-hpa');
    // Git sets replicas: 1 and an HPA with minReplicas 2 takes them over through the scale subresource.
    const web = deployment(ns, 'web', { replicas: 1 });
    await applyAll(live, [web, hpa(ns, 'web', 2)]);
    const scaled = await eventually('the HPA to scale web to 2', async () => {
      const current = await read(live, web);
      return (current.spec as { replicas?: number }).replicas === 2 ? current : undefined;
    }, { timeoutMs: 90_000 });
    const owner = (scaled.metadata.managedFields ?? []).find((entry) => JSON.stringify(entry.fieldsV1 ?? {}).includes('"f:replicas"') && entry.subresource !== 'status');
    assert.deepEqual([owner?.manager, owner?.subresource], ['kube-controller-manager', 'scale']);

    const plain = await checkDrift(live.cluster, [web]);
    assert.deepEqual(plain.objects[0]?.patch, [{ op: 'replace', path: '/spec/replicas', value: 1 }]);

    const hpaRule = { group: 'apps', kind: 'Deployment', managedFieldsManagers: ['kube-controller-manager'] };
    const ignored = await checkDrift(live.cluster, [web], { diff: { ignoreDifferences: [hpaRule] } });
    assert.equal(ignored.status, 'Synced', pathsOf(ignored).join('\n'));

    // Fields Berth still owns remain drift under the same rule.
    await patchAs(live, 'kubectl-edit', web, { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example.com/web:9.9' }] } } } });
    const edited = await checkDrift(live.cluster, [web], { diff: { ignoreDifferences: [hpaRule] } });
    assert.deepEqual(pathsOf(edited), [`Deployment/${ns}/web ${imagePath}`]);

    await captureOne(live, {
      name: 'hpa-took-over-replicas-ignored-image-edited', desired: web, options: { ignoreDifferences: [hpaRule] },
      note: 'Git sets replicas, the real HPA controller took them over (ignored by manager); the image was edited and is still drift.',
    }, edited.objects[0] ?? assert.fail('no result'));
  });

  it('is the sync\'s rule too: a dry run predicts no change and self-heal writes nothing for an ignored field', async (t) => {
    // Issue 14: the engine compared raw objects, so a field an ignore rule hides from the
    // drift report was still "healed", and a dry run predicted a write the report denied.
    const ns = await testNamespace(t, 'drift-ignore-sync');
    const web = deployment(ns, 'web', { replicas: 1 });
    const desired = renderedRevision('c0ffee', [web]);
    const syncOptions = { appName: 'web', destinationNamespace: ns };
    const first = await runSync(live.cluster, { desired, previousInventory: emptyInventory }, syncOptions);
    assert.equal(first.phase, 'Succeeded', first.message);
    await patchAs(live, 'kubectl-scale', web, { spec: { replicas: 3 } }, 'scale');
    const scaled = await eventually('the scale to be visible', async () => {
      const current = await read(live, web);
      return (current.spec as { replicas?: number }).replicas === 3 ? current : undefined;
    });

    const replicasRule = { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] };
    const actionOf = (result: Awaited<ReturnType<typeof runSync>>): string | undefined => result.changeSet.find((entry) => entry.ref.kind === 'Deployment')?.action;
    // Without the rule the scale is drift, so the assertions below can fail.
    const unruled = await runSync(live.cluster, { desired, previousInventory: first.inventory }, { ...syncOptions, dryRun: true });
    assert.equal(actionOf(unruled), 'configured');

    const options = { ...syncOptions, ignoreDifferences: [replicasRule] };
    const payloads = await prepareDesired([web], syncOptions, live.cluster);
    const report = await checkDrift(live.cluster, payloads, { diff: { ignoreDifferences: [replicasRule] } });
    assert.equal(report.status, 'Synced', pathsOf(report).join('\n'));
    const dryRun = await runSync(live.cluster, { desired, previousInventory: first.inventory }, { ...options, dryRun: true });
    assert.equal(actionOf(dryRun), 'unchanged', dryRun.message);
    const healed = await runSync(live.cluster, { desired, previousInventory: first.inventory }, options);
    assert.equal(actionOf(healed), 'unchanged', healed.message);

    // Not resourceVersion: the deployment controller writes status after the scale. A write
    // of the spec would move the generation.
    const after = await read(live, web);
    assert.equal(after.metadata.generation, scaled.metadata.generation);
    assert.equal((after.spec as { replicas?: number }).replicas, 3);
  });
});
