/**
 * `spec.syncPolicy.retry`, end to end: a sync that fails for a reason a retry
 * may fix is attempted `limit` times in all, with the delays the Application's
 * backoff gives (duration x factor^n, capped at maxDuration, less some jitter),
 * and then counts as a failed sync. The failure is real: a validating admission
 * webhook whose endpoint does not answer, so the API server refuses every write
 * of the labelled objects with a 500 (failurePolicy Fail), which is transient.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import type { HistoryEntry } from '../../sync/history.ts';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { testKubeConfig, testNamespace, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { startControllerProcess } from './controller-process.ts';
import { readRelease } from './replica-fixtures.ts';

const rejectedLabel = 'berth-test/refused-by-webhook';

/** A webhook nobody answers, for the labelled ConfigMaps of one namespace only. */
async function installUnansweredWebhook(rest: RestClient, namespace: string): Promise<() => Promise<void>> {
  const name = uniqueName('berth-retry');
  const collection = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
  await rest.request('POST', collection, {
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name },
      webhooks: [{
        name: `${name}.berth.dev`,
        // Port 1 on loopback: connection refused at once, a 500 for the API server's client.
        clientConfig: { url: 'https://127.0.0.1:1/validate' },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'] }],
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
        objectSelector: { matchLabels: { [rejectedLabel]: 'true' } },
        failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'], timeoutSeconds: 2,
      }],
    },
  });
  return async () => { await rest.request('DELETE', `${collection}/${name}`).catch(() => undefined); };
}

function application(name: string, namespace: string, repoURL: string, retry: object): object {
  return {
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
    spec: {
      source: { repoURL, targetRevision: 'main', path: `apps/${name}` },
      destination: { namespace },
      syncPolicy: { automated: { prune: true }, pollInterval: '1s', retry },
    },
  };
}

const failedAttempts = (history: readonly HistoryEntry[], revision: string): HistoryEntry[] =>
  history.filter((entry) => entry.revision === revision && entry.phase === 'Failed');

describe('spec.syncPolicy.retry', () => {
  it('attempts a failing sync as often as its limit says, with the delays of its backoff', { timeout: 240_000 }, async (t) => {
    const namespace = await testNamespace(t, 'retry');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    t.after(await installUnansweredWebhook(rest, namespace));
    const root = await tempDir('berth-retry-git-');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });

    const refused = (name: string): string => dump({
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { [rejectedLabel]: 'true' } }, data: { value: name },
    });
    const commit = await commitFiles(repository, { 'apps/once/config.yaml': refused('once'), 'apps/seven/config.yaml': refused('seven') }, 'first');
    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({
      apiVersion: 'v1', kind: 'List',
      items: [
        application('once', namespace, server.url('deploy'), { limit: 1 }),
        application('seven', namespace, server.url('deploy'), { limit: 7, backoff: { duration: '1s', factor: 2, maxDuration: '4s' } }),
      ],
    }));
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    const degraded = (name: string) => async () => {
      const record = await readRelease(rest, namespace, name);
      return record?.state.status === 'Degraded' && record.state.failedRevision === commit ? record : undefined;
    };

    // limit 1: one attempt, then a failed sync, and nothing more while the commit stays.
    const once = await controller.explain(eventually('the limit-1 Application to give up', degraded('once'), { timeoutMs: 60_000 }));
    assert.equal(once.state.reason, 'SyncFailed');
    const reconciledOnce = (): number => controller.logLines().filter((line) => line.app === `${namespace}/once` && line.msg === 'reconciled').length;
    const seen = reconciledOnce();
    await eventually('three more polls of the limit-1 Application', () => Promise.resolve(reconciledOnce() >= seen + 3 ? true : undefined), { timeoutMs: 30_000 });
    const onceAfter = await readRelease(rest, namespace, 'once');
    assert.equal(failedAttempts(onceAfter?.history ?? [], commit).length, 1, (onceAfter?.history ?? []).map((entry) => entry.message).join('\n'));

    // limit 7, 1s x2 up to 4s: seven attempts, 1, 2, 4, 4, 4, 4 seconds apart (jitter may shorten each).
    const seven = await controller.explain(eventually('the limit-7 Application to give up', degraded('seven'), { timeoutMs: 120_000 }));
    const attempts = failedAttempts(seven.history, commit);
    assert.equal(attempts.length, 7, attempts.map((entry) => entry.message).join('\n'));
    assert.match(attempts.at(-1)?.message ?? '', /giving up after 7 attempts/);
    const expected = [1_000, 2_000, 4_000, 4_000, 4_000, 4_000];
    const gaps = attempts.slice(1).map((entry, index) => Date.parse(entry.startedAt) - Date.parse(attempts[index]?.finishedAt ?? ''));
    for (const [index, gap] of gaps.entries()) {
      const delay = expected[index] ?? 0;
      // Jitter takes at most a quarter off a delay; the queue and a loaded machine may add some.
      assert.ok(gap >= delay * 0.75 - 100, `retry ${index + 1} came after ${gap} ms, before its backoff of ${delay} ms (gaps: ${gaps.join(', ')})`);
      assert.ok(gap <= delay + 3_000, `retry ${index + 1} came after ${gap} ms, long after its backoff of ${delay} ms (gaps: ${gaps.join(', ')})`);
    }
  });
});
