/**
 * Real drift caught: fields Berth applied and someone else then changed (`kubectl edit`,
 * `kubectl scale`, a script) are OutOfSync with exactly that field in the patch; fields
 * someone else added that Git does not set stay Synced; a Secret's values show nowhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ObjectDiff } from '../../diff/index.ts';
import { formatRef, refOf } from '../../objects.ts';
import { checkDrift } from '../../sync/drift-check.ts';
import { testNamespace } from '../harness/env.ts';
import { captureOne } from './capture.ts';
import { applyAll, connect, patchAs, type Live } from './live.ts';
import { configMap, deployment, secret } from './objects.ts';

let live: Live;
before(async () => { live = await connect(); });
after(() => { live.rest.close(); });

const initialPassword = 'initial-pass-7f3a9c';
const editedPassword = 'edited-pass-91c2e4';

describe('drift check after changes by other field managers', () => {
  it('reports each changed field Berth manages, and nothing that only others manage', async (t) => {
    const ns = await testNamespace(t, 'drift-real');
    const desired = {
      replicas: deployment(ns, 'replicas', { replicas: 2 }),
      image: deployment(ns, 'image'),
      env: deployment(ns, 'env'),
      label: deployment(ns, 'label'),
      secret: secret(ns, 'credentials', { username: 'shop', password: initialPassword }),
      annotated: deployment(ns, 'annotated'),
      templateLabel: deployment(ns, 'template-label'),
      deleted: configMap(ns, 'deleted', { a: '1' }),
    };
    const leftBehind = configMap(ns, 'left-behind', { b: '2' });
    await applyAll(live, [...Object.values(desired), leftBehind]);

    // What `kubectl scale`, `kubectl edit` and colleagues' scripts send: patches as other field managers.
    await patchAs(live, 'kubectl-edit', desired.replicas, { spec: { replicas: 5 } });
    await patchAs(live, 'kubectl-edit', desired.image, { spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1.1-hotfix' }] } } } });
    await patchAs(live, 'someone-else', desired.env, { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'LOG_LEVEL', value: 'debug' }] }] } } } });
    await patchAs(live, 'kubectl-edit', desired.label, { metadata: { labels: { team: 'platform' } } });
    await patchAs(live, 'kubectl-edit', desired.secret, { data: { password: Buffer.from(editedPassword).toString('base64') } });
    await patchAs(live, 'someone-else', desired.annotated, { metadata: { annotations: { 'example.com/on-call': 'alice' } } });
    await patchAs(live, 'sidecar-injector', desired.templateLabel, { spec: { template: { metadata: { labels: { 'sidecar.example.com/injected': 'true' } } } } });
    await live.cluster.delete(refOf(desired.deleted), { propagation: 'Background' });

    // Deployments are read with one list (lister), the rest with gets.
    const result = await checkDrift(live.cluster, Object.values(desired), {
      previousInventory: [...Object.values(desired), leftBehind].map(refOf), lister: live.cluster, listThreshold: 2,
    });
    assert.equal(result.timings.lists, 1);

    const of = (name: string): ObjectDiff => {
      const found = result.objects.find((object) => object.ref.name === name);
      assert.ok(found, `${name} is not in the result`);
      return found;
    };
    const paths = (name: string): string[] => of(name).patch.map((operation) => operation.path);
    const summary = result.objects.map((object) => `${formatRef(object.ref)} ${object.status} ${JSON.stringify(object.patch)}`).join('\n');

    assert.deepEqual(of('replicas').patch, [{ op: 'replace', path: '/spec/replicas', value: 2 }], summary);
    assert.deepEqual(of('image').patch, [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'registry.example.com/web:1.0' }], summary);
    assert.deepEqual(of('env').patch, [{ op: 'replace', path: '/spec/template/spec/containers/0/env/0/value', value: 'info' }], summary);
    assert.deepEqual(of('label').patch, [{ op: 'replace', path: '/metadata/labels/team', value: 'shop' }], summary);
    assert.deepEqual(paths('credentials'), ['/data/password'], summary);
    assert.equal(of('annotated').status, 'Synced', summary);
    assert.equal(of('template-label').status, 'Synced', summary);
    assert.equal(of('deleted').status, 'Missing', summary);
    assert.equal(of('left-behind').status, 'Extraneous', summary);
    for (const name of ['replicas', 'image', 'env', 'label', 'credentials']) {
      assert.equal(of(name).status, 'OutOfSync', name);
      assert.equal(of(name).mode, 'server-side-dry-run', name);
    }
    assert.deepEqual(result.counts, { Synced: 2, OutOfSync: 5, Missing: 1, Extraneous: 1 });
    assert.equal(result.status, 'OutOfSync');
    assert.deepEqual(result.fallbacks, []);

    // The Secret's values, old and new, plain and base64, appear nowhere in the result.
    const output = JSON.stringify(result);
    for (const value of [initialPassword, editedPassword]) {
      assert.ok(!output.includes(value), `${value} shows in the result`);
      assert.ok(!output.includes(Buffer.from(value).toString('base64')), `${value} (base64) shows in the result`);
    }
    assert.ok(of('credentials').diff.includes('password'), 'the text diff names the changed key');

    await captureOne(live, { name: 'label-changed-by-other-manager', desired: desired.label, note: 'A label Berth applied, changed with kubectl edit.' }, of('label'));
    await captureOne(live, {
      name: 'pod-template-label-added-by-other-manager-synced', desired: desired.templateLabel,
      note: 'A pod template label only a sidecar injector sets: not Berth\'s field, not drift.',
    }, of('template-label'));
  });
});
