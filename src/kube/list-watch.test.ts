import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../objects.ts';
import type { RetryPolicy } from '../../sync/retry-policy.ts';
import { startListWatch, type ListWatchEvent } from './list-watch.ts';
import { fakeListWatchTransport } from './testing/fake-list-watch-transport.ts';

const path = '/api/v1/namespaces/shop/configmaps';
const configMap = (name: string, resourceVersion: string): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop', resourceVersion } });

const throttled = (): Error => Object.assign(new Error('429 storage is (re)initializing'), { status: 429 });
const forbidden = (): Error => Object.assign(new Error('403 forbidden'), { status: 403 });
const startRetry = (limit: number): RetryPolicy => ({ limit, backoffMs: 1, factor: 1, maxBackoffMs: 1, jitter: 0 });

function setup(options: { startRetry?: RetryPolicy } = {}) {
  const transport = fakeListWatchTransport();
  const events: string[] = [];
  const errors: string[] = [];
  const watch = startListWatch<string>({
    transport, path,
    remember: (object) => object.metadata.resourceVersion,
    onEvent: (event: ListWatchEvent<string>) => {
      events.push(`${event.initial ? 'initial ' : ''}${event.type} ${event.name} ${event.previous ?? '-'}->${event.object?.metadata.resourceVersion ?? '-'}`);
    },
    onError: (error) => { errors.push(error instanceof Error ? error.message : String(error)); },
    initialRetryDelayMs: 1,
    maxRetryDelayMs: 4,
    ...options,
  });
  return { transport, events, errors, watch };
}

describe('the list/watch engine', () => {
  it('delivers the first list as initial additions, then watches from its resourceVersion', async () => {
    const { transport, events, watch } = setup();
    transport.items.set(path, [configMap('a', '1')]);
    await Promise.all([watch.start(), watch.start()]);
    assert.deepEqual(events, ['initial added a -->1']);
    assert.deepEqual(transport.lists, [path], 'a second start() joins the first');
    await transport.opened(1);
    assert.equal(transport.open[0]?.resourceVersion, '100');
    const [open] = transport.open;
    assert.ok(open);
    open.send('MODIFIED', configMap('a', '2'));
    open.send('DELETED', configMap('a', '3'));
    assert.deepEqual(events.slice(1), ['updated a 1->2', 'deleted a 2->3']);
    assert.deepEqual(watch.values(), []);
    watch.stop();
  });

  it('rejects start when the first list fails, and keeps retrying until it lists', async () => {
    const { transport, errors, watch } = setup();
    transport.failNextList.set(path, new Error('connection refused'));
    await assert.rejects(watch.start(), /connection refused/);
    await transport.opened(1);
    assert.deepEqual(transport.lists, [path, path]);
    assert.deepEqual(errors, ['connection refused']);
    watch.stop();
  });

  it('with a start-up retry policy, waits out a transient first list (429) instead of rejecting start', async () => {
    const { transport, events, errors, watch } = setup({ startRetry: startRetry(3) });
    transport.items.set(path, [configMap('a', '1')]);
    transport.failNextList.set(path, throttled());
    await watch.start();
    assert.deepEqual(transport.lists, [path, path]);
    assert.deepEqual(errors, ['429 storage is (re)initializing'], 'the failure is still told');
    assert.deepEqual(events, ['initial added a -->1']);
    watch.stop();
  });

  it('with a start-up retry policy, still rejects start at once for what a retry cannot fix (403), and once the policy is used up', async () => {
    const denied = setup({ startRetry: startRetry(3) });
    denied.transport.failNextList.set(path, forbidden());
    await assert.rejects(denied.watch.start(), /403 forbidden/);
    assert.deepEqual(denied.transport.lists, [path]);
    denied.watch.stop();

    const exhausted = setup({ startRetry: startRetry(1) });
    exhausted.transport.failNextList.set(path, throttled());
    await assert.rejects(exhausted.watch.start(), /429/);
    exhausted.watch.stop();
  });

  it('after 410 Gone, relists and delivers only what the relist found changed', async () => {
    const { transport, events, watch } = setup();
    transport.items.set(path, [configMap('same', '1'), configMap('moved', '2'), configMap('gone', '3')]);
    await watch.start();
    await transport.opened(1);
    events.length = 0;
    transport.items.set(path, [configMap('same', '1'), configMap('moved', '5'), configMap('new', '6')]);
    transport.open[0]?.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    transport.open[0]?.end(undefined);
    await transport.opened(2);
    assert.deepEqual(events, ['updated moved 2->5', 'added new -->6', 'deleted gone 3->-']);
    assert.equal(transport.open[1]?.resourceVersion, '200');
    assert.equal(watch.get('shop', 'moved'), '5');
    watch.stop();
  });
});
