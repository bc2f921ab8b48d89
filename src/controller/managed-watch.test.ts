import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, ManagedFieldsEntry, ObjectRef } from '../../objects.ts';
import { fakeListWatchTransport, type FakeListWatchTransport } from '../kube/testing/fake-list-watch-transport.ts';
import { createManagedWatch, type ManagedChange, type ManagedWatch } from './managed-watch.ts';

const deploymentRef = (name: string, namespace = 'shop'): ObjectRef => ({ group: 'apps', version: 'v1', kind: 'Deployment', namespace, name });
const configMapRef = (name: string, namespace = 'shop'): ObjectRef => ({ group: '', version: 'v1', kind: 'ConfigMap', namespace, name });

const berthEntry = (time: string, labels: string[] = ['app']): ManagedFieldsEntry => ({
  manager: 'berth', operation: 'Apply', time,
  fieldsV1: { 'f:metadata': { 'f:labels': Object.fromEntries(labels.map((l) => [`f:${l}`, {}])), 'f:annotations': { 'f:berth.dev/app': {} } } },
});

function object(name: string, fields: { generation?: number; rv: string; app?: string; labels?: Record<string, string>; extraAnnotations?: Record<string, string>; managed: ManagedFieldsEntry[] }): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: {
      name, namespace: 'shop', resourceVersion: fields.rv,
      ...(fields.generation !== undefined ? { generation: fields.generation } : {}),
      labels: fields.labels ?? { app: 'web' },
      annotations: { ...(fields.app === undefined ? {} : { 'berth.dev/app': fields.app }), ...fields.extraAnnotations },
      managedFields: fields.managed,
    },
  };
}

function setup(namespaces?: string[]): { watch: ManagedWatch; transport: FakeListWatchTransport; changes: string[]; errors: string[] } {
  const transport = fakeListWatchTransport();
  const changes: string[] = [];
  const errors: string[] = [];
  const watch = createManagedWatch({
    transport,
    namespaces,
    collectionPath: ({ group, version, kind }, namespace) =>
      Promise.resolve(`/${group || 'core'}/${version}/${kind.toLowerCase()}s${namespace ? `@${namespace}` : ''}`),
    onChange: (app: string, ref: ObjectRef, change: ManagedChange) => { changes.push(`${app} ${ref.kind}/${ref.name} ${change}`); },
    onError: (error: unknown, watched: string) => { errors.push(`${watched}: ${error instanceof Error ? error.message : String(error)}`); },
    initialRetryDelayMs: 5,
    maxRetryDelayMs: 20,
  });
  return { watch, transport, changes, errors };
}

describe('the managed-object watch', () => {
  it('runs one watch per kind however many Applications manage it, and stops it when none does', async () => {
    const { watch, transport } = setup();
    watch.setInventory('shop/a', [deploymentRef('a'), configMapRef('a')]);
    watch.setInventory('shop/b', [deploymentRef('b')]);
    await transport.opened(2);
    assert.deepEqual(watch.watches(), ['apps/v1/Deployment', 'v1/ConfigMap']);
    assert.equal(transport.open.length, 2);

    watch.setInventory('shop/a', [deploymentRef('a')]);
    assert.deepEqual(watch.watches(), ['apps/v1/Deployment']);
    assert.equal(transport.open.find((w) => w.path === '/core/v1/configmaps')?.cancelled, true);
    watch.forget('shop/a');
    assert.deepEqual(watch.watches(), ['apps/v1/Deployment']);
    watch.forget('shop/b');
    assert.deepEqual(watch.watches(), []);
    assert.ok(transport.open.every((w) => w.cancelled));
    await watch.stop();
  });

  it('watches per namespace when the controller is restricted to namespaces', async () => {
    const { watch, transport } = setup(['shop', 'blog']);
    watch.setInventory('shop/a', [deploymentRef('a', 'shop'), deploymentRef('b', 'blog')]);
    await transport.opened(2);
    assert.deepEqual(watch.watches(), ['apps/v1/Deployment in blog', 'apps/v1/Deployment in shop']);
    assert.deepEqual(transport.open.map((w) => w.path).sort(), ['/apps/v1/deployments@blog', '/apps/v1/deployments@shop']);
    await watch.stop();
  });

  it('reports updates that move the generation or Berth’s labels, by someone other than Berth, and every deletion', async () => {
    const { watch, transport, changes } = setup();
    const synced = { app: 'shop/web', managed: [berthEntry('2025-01-01T00:00:00Z')] };
    transport.items.set('/apps/v1/deployments', [object('web', { ...synced, generation: 1, rv: '1' })]);
    watch.setInventory('shop/web', [deploymentRef('web')]);
    await transport.opened(1);
    const [open] = transport.open;
    assert.ok(open);
    assert.equal(open.resourceVersion, '100');

    const statusWriter: ManagedFieldsEntry = { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', time: '2025-01-01T00:05:00Z' };
    open.send('MODIFIED', object('web', { ...synced, generation: 1, rv: '2', managed: [...synced.managed, statusWriter] }));
    const revisionAnnotation: ManagedFieldsEntry = { manager: 'kube-controller-manager', operation: 'Update', time: '2025-01-01T00:06:00Z' };
    open.send('MODIFIED', object('web', { ...synced, generation: 1, rv: '3', extraAnnotations: { 'deployment.kubernetes.io/revision': '2' }, managed: [...synced.managed, revisionAnnotation] }));
    assert.deepEqual(changes, [], 'status writes and annotations Berth does not own are not drift');

    open.send('MODIFIED', object('web', { ...synced, generation: 2, rv: '4', managed: [berthEntry('2025-01-01T00:07:00Z')] }));
    assert.deepEqual(changes, [], 'Berth’s own write is not drift');

    const edit: ManagedFieldsEntry = { manager: 'kubectl-edit', operation: 'Update', time: '2025-01-01T00:08:00Z' };
    open.send('MODIFIED', object('web', { ...synced, generation: 3, rv: '5', managed: [berthEntry('2025-01-01T00:07:00Z'), edit] }));
    assert.deepEqual(changes, ['shop/web Deployment/web changed']);

    const relabel: ManagedFieldsEntry = { manager: 'kubectl-label', operation: 'Update', time: '2025-01-01T00:09:00Z' };
    open.send('MODIFIED', object('web', { ...synced, generation: 3, rv: '6', labels: { app: 'other' }, managed: [berthEntry('2025-01-01T00:07:00Z', []), edit, relabel] }));
    assert.equal(changes.length, 2, 'a label Berth owned, taken over by someone else');

    open.send('MODIFIED', object('unrelated', { generation: 7, rv: '7', managed: [edit] }));
    open.send('MODIFIED', object('foreign', { app: 'shop/not-mine', generation: 7, rv: '8', managed: [edit] }));
    assert.equal(changes.length, 2, 'objects of no known Application are ignored');

    open.send('DELETED', object('web', { ...synced, generation: 3, rv: '9' }));
    assert.deepEqual(changes.slice(2), ['shop/web Deployment/web deleted']);
    await watch.stop();
  });

  it('ignores an object that carries an Application’s mark but is not in its inventory (anyone may write the mark)', async () => {
    const { watch, transport, changes } = setup();
    watch.setInventory('shop/web', [deploymentRef('web')]);
    await transport.opened(1);
    const [open] = transport.open;
    assert.ok(open);
    const edit: ManagedFieldsEntry = { manager: 'kubectl-edit', operation: 'Update', time: '2025-01-01T00:08:00Z' };
    for (let rv = 1; rv <= 5; rv += 1) open.send('MODIFIED', object('forged', { app: 'shop/web', generation: rv, rv: String(rv), managed: [edit] }));
    open.send('DELETED', object('forged', { app: 'shop/web', generation: 5, rv: '6', managed: [edit] }));
    assert.deepEqual(changes, []);
    open.send('MODIFIED', object('web', { app: 'shop/web', generation: 2, rv: '7', managed: [edit] }));
    assert.deepEqual(changes, ['shop/web Deployment/web changed'], 'the object of its inventory still counts');
    await watch.stop();
  });

  it('counts every update of a kind without a generation, unless Berth wrote it last', async () => {
    const { watch, transport, changes } = setup();
    watch.setInventory('shop/web', [configMapRef('settings')]);
    await transport.opened(1);
    const [open] = transport.open;
    assert.ok(open);
    open.send('ADDED', object('settings', { app: 'shop/web', rv: '1', managed: [berthEntry('2025-01-01T00:00:00Z')] }));
    open.send('MODIFIED', object('settings', { app: 'shop/web', rv: '2', managed: [berthEntry('2025-01-01T00:01:00Z')] }));
    assert.deepEqual(changes, []);
    const tied: ManagedFieldsEntry = { manager: 'kubectl-patch', operation: 'Update', time: '2025-01-01T00:01:00Z' };
    open.send('MODIFIED', object('settings', { app: 'shop/web', rv: '3', managed: [berthEntry('2025-01-01T00:01:00Z'), tied] }));
    assert.deepEqual(changes, ['shop/web ConfigMap/settings changed'], 'a tie within one second counts');
    await watch.stop();
  });

  it('relists after 410 Gone and reports what was deleted meanwhile', async () => {
    const { watch, transport, changes } = setup();
    const synced = { app: 'shop/web', generation: 1, managed: [berthEntry('2025-01-01T00:00:00Z')] };
    transport.items.set('/apps/v1/deployments', [object('web', { ...synced, rv: '1' }), object('api', { ...synced, rv: '2' })]);
    watch.setInventory('shop/web', [deploymentRef('web'), deploymentRef('api')]);
    await transport.opened(1);
    const [first] = transport.open;
    assert.ok(first);

    transport.items.set('/apps/v1/deployments', [object('web', { ...synced, rv: '1' })]);
    first.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    first.end(null);
    await transport.opened(2);
    assert.equal(transport.lists.length, 2);
    assert.deepEqual(changes, ['shop/web Deployment/api deleted']);
    assert.equal(transport.open.length, 2);
    assert.equal(transport.open[1]?.resourceVersion, '200');
    await watch.stop();
  });

  it('resumes from the last resourceVersion after an error, with backoff', async () => {
    const { watch, transport, errors } = setup();
    watch.setInventory('shop/web', [deploymentRef('web')]);
    await transport.opened(1);
    const [first] = transport.open;
    assert.ok(first);
    first.send('BOOKMARK', { metadata: { resourceVersion: '150' } });
    first.end(new Error('socket hang up'));
    await transport.opened(2);
    assert.equal(transport.lists.length, 1, 'no relist for an ordinary error');
    assert.equal(transport.open[1]?.resourceVersion, '150');
    assert.deepEqual(errors, ['apps/v1/Deployment: socket hang up']);
    await watch.stop();
    assert.equal(transport.open[1].cancelled, true);
  });
});
