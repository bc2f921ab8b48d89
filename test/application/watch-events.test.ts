/**
 * Watching Applications and recording Events on the real control plane: the
 * watch delivers add, update and delete for the namespaces it was given only,
 * resyncs, and carries on after the connection to the API server breaks; Events
 * land on the Application with credentials removed.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../objects.ts';
import { recordApplicationEvent } from '../../src/application/events.ts';
import { applicationsPath } from '../../src/application/status-writer.ts';
import { watchApplications, type ApplicationWatchEvent } from '../../src/application/watch.ts';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { testKubeConfig, testNamespace, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { installApplicationCrd } from './install-crd.ts';

function application(namespace: string, name: string, path = 'apps/web'): KubeObject {
  return {
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
    spec: { source: { repoURL: 'https://git.example.com/deploy.git', path }, destination: { namespace: 'web' } },
  };
}

function seen(events: readonly ApplicationWatchEvent[], type: ApplicationWatchEvent['type'], name: string): ApplicationWatchEvent | undefined {
  return events.find((event) => event.type === type && event.object.metadata.name === name);
}

/** A TCP proxy to the API server whose connections the test can cut, and which it can take down and bring back. */
async function cuttableProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  const listen = (port: number) => new Promise<number>((resolve, reject) => {
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { resolve((server?.address() as net.AddressInfo).port); });
  });
  const port = await listen(0);
  return {
    port,
    async down() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server?.close(resolve));
    },
    up: () => listen(port),
  };
}

describe('watching Applications', () => {
  let rest: RestClient;
  before(async () => {
    rest = await createRestClient(testKubeConfig());
    await installApplicationCrd(rest);
  });
  after(() => { rest.close(); });

  it('delivers add, update and delete, as raw JSON, for the watched namespaces only', async (t) => {
    const watched = await testNamespace(t, 'watch');
    const other = await testNamespace(t, 'unwatched');
    const before = uniqueName('before');
    await rest.request('POST', applicationsPath(watched), { body: application(watched, before) });

    const events: ApplicationWatchEvent[] = [];
    const watch = watchApplications(rest, { namespaces: [watched], onEvent: (event) => events.push(event), resyncIntervalMs: 500 });
    await watch.start();
    t.after(() => watch.stop());
    const initial = seen(events, 'added', before);
    assert.ok(initial, 'an Application that existed before the start is delivered as added');
    assert.equal(typeof initial.object.metadata.creationTimestamp, 'string', 'timestamps stay strings');
    assert.equal(initial.object.kind, 'Application');

    const name = uniqueName('web');
    await rest.request('POST', applicationsPath(watched), { body: application(watched, name) });
    await rest.request('POST', applicationsPath(other), { body: application(other, uniqueName('elsewhere')) });
    await eventually('the added event', () => Promise.resolve(seen(events, 'added', name)));

    await rest.request('PATCH', applicationsPath(watched, name), {
      body: { spec: { source: { path: 'apps/api' } } }, contentType: 'application/merge-patch+json',
    });
    const updated = await eventually('the updated event', () => Promise.resolve(seen(events, 'updated', name)));
    assert.equal((updated.object.spec as { source: { path: string } }).source.path, 'apps/api');
    assert.equal(watch.get(watched, name)?.metadata.resourceVersion, updated.object.metadata.resourceVersion);

    await rest.request('DELETE', applicationsPath(watched, name));
    await eventually('the deleted event', () => Promise.resolve(seen(events, 'deleted', name)));
    await eventually('a resync of the remaining Application', () => Promise.resolve(seen(events, 'resync', before)));

    assert.ok(events.every((event) => event.object.metadata.namespace === watched), 'nothing from the unwatched namespace');
    assert.deepEqual(watch.list().map((object) => object.metadata.name), [before]);
  });

  it('fails to start with a clear error when it cannot list', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'nowhere', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'nowhere', user: 'u' }], currentContext: 'c',
    });
    const unreachable = await createRestClient(kc, { timeoutMs: 2_000 });
    try {
      const watch = watchApplications(unreachable, { namespaces: ['team-a'], onEvent: () => undefined });
      await assert.rejects(watch.start(), /^Error: Applications in namespace team-a: cannot list: /);
    } finally {
      unreachable.close();
    }
  });

  it('reconnects after the API server went away and catches up on what happened meanwhile', async (t) => {
    const namespace = await testNamespace(t, 'rewatch');
    const direct = testKubeConfig();
    const cluster = direct.getCurrentCluster();
    assert.ok(cluster);
    const proxy = await cuttableProxy(new URL(cluster.server));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ ...cluster, server: `https://127.0.0.1:${proxy.port}` }],
      users: direct.users, contexts: direct.contexts, currentContext: direct.currentContext,
    });
    const proxied = await createRestClient(kc, { timeoutMs: 5_000 });
    const events: ApplicationWatchEvent[] = [];
    const errors: unknown[] = [];
    const watch = watchApplications(proxied, {
      namespaces: [namespace], onEvent: (event) => events.push(event), onError: (error) => errors.push(error),
      initialRetryDelayMs: 100, maxRetryDelayMs: 500, resyncIntervalMs: 0,
    });
    await watch.start();
    t.after(async () => { await watch.stop(); proxied.close(); await proxy.down(); });

    await proxy.down();
    const during = uniqueName('during');
    await rest.request('POST', applicationsPath(namespace), { body: application(namespace, during) });
    await eventually('a watch error while the API server is unreachable', () => Promise.resolve(errors.length > 0 || undefined), { timeoutMs: 20_000 });
    await proxy.up();

    await eventually('the Application created during the outage', () => Promise.resolve(seen(events, 'added', during)), { timeoutMs: 30_000 });
    const after = uniqueName('after');
    await rest.request('POST', applicationsPath(namespace), { body: application(namespace, after) });
    await eventually('an Application created after the reconnect', () => Promise.resolve(seen(events, 'added', after)), { timeoutMs: 30_000 });
  });
});

describe('Events on an Application', () => {
  it('are recorded on the Application, with credentials removed', async (t) => {
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    await installApplicationCrd(rest);
    const namespace = await testNamespace(t, 'events');
    const name = uniqueName('web');
    const created = (await rest.request('POST', applicationsPath(namespace), { body: application(namespace, name) })).body as KubeObject;
    const subject = { metadata: { ...created.metadata, name, namespace } };

    await recordApplicationEvent(rest, subject, { type: 'Normal', reason: 'Synced', message: 'synced 3f2c9a1: 2 created' });
    await recordApplicationEvent(rest, subject, {
      type: 'Warning', reason: 'SyncFailed', message: 'fetch https://deploy:ghp_secret123@git.example.com/x.git: 403',
    });

    const { body } = await rest.request('GET', `/api/v1/namespaces/${namespace}/events`, {
      query: { fieldSelector: `involvedObject.kind=Application,involvedObject.name=${name}` },
    });
    const items = (body as { items: (KubeObject & { reason: string; type: string; message: string; involvedObject: { uid: string } })[] }).items;
    const byReason = new Map(items.map((item) => [item.reason, item]));
    assert.equal(byReason.get('Synced')?.type, 'Normal');
    assert.equal(byReason.get('Synced')?.message, 'synced 3f2c9a1: 2 created');
    assert.equal(byReason.get('Synced')?.involvedObject.uid, created.metadata.uid);
    const warning = byReason.get('SyncFailed');
    assert.ok(warning);
    assert.equal(warning.type, 'Warning');
    assert.ok(!warning.message.includes('ghp_secret123'), warning.message);
    assert.match(warning.message, /https:\/\/\*\*\*@git\.example\.com/);
  });
});
