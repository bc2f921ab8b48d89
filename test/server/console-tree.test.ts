/**
 * One Application page against the real control plane: a Deployment applied
 * by field manager `berth`, whose ReplicaSet and Pods the real
 * kube-controller-manager creates, comes back in ONE request as Deployment →
 * ReplicaSet → Pods; "why is this field not drift" reads the live object and
 * names the rule or the field manager; and an object the Application does not
 * manage cannot be read through it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApplicationStatus } from '../../src/application/index.ts';
import { createDiscovery } from '../../src/kube/discovery.ts';
import { createLiveReader } from '../../src/server/console/live-reader.ts';
import type { TreeNode } from '../../src/server/console/resource-tree.ts';
import { testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { testRestClient } from '../harness/integration.ts';
import { adminToken, startConsoleServer } from './console-fixtures.ts';

const auth = { authorization: `Bearer ${adminToken}` };

function deployment(namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace, labels: { app: 'api' } },
    spec: {
      replicas: 2, selector: { matchLabels: { app: 'api' } },
      template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'registry.example/api:1.0' }] } },
    },
  };
}

describe('the console\'s Application page on a real cluster', () => {
  it('returns the whole tree in one request and explains fields from the live object', async (t) => {
    const namespace = await testNamespace(t, 'console-tree');
    const rest = await testRestClient(t);
    await rest.request('PATCH', `/apis/apps/v1/namespaces/${namespace}/deployments/api`, {
      query: { fieldManager: 'berth', force: 'true' }, body: deployment(namespace), contentType: 'application/apply-patch+yaml',
    });
    await rest.request('POST', `/api/v1/namespaces/${namespace}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-managed' }, data: { secret: 'x' } } });
    // The real Deployment controller makes the ReplicaSet and the scheduler-less Pods (kwok may run them).
    await eventually('the Deployment\'s Pods', async () => {
      const { body } = await rest.request('GET', `/api/v1/namespaces/${namespace}/pods`);
      return ((body as { items: unknown[] }).items.length >= 2) || undefined;
    }, { timeoutMs: 120_000 });

    const app = {
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'api', namespace },
      spec: {
        source: { repoURL: 'https://github.com/example/deploy.git', targetRevision: 'main', path: 'api' }, destination: { namespace },
        ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/template/spec/containers/0/image'] }],
      },
    };
    const discovery = createDiscovery(rest);
    const server = await startConsoleServer(t, { apps: [app], console: { live: createLiveReader(rest, discovery) } });
    const key = `${namespace}/api`;
    const sha = 'c0ffee'.padEnd(40, '0');
    const status: ApplicationStatus = {
      sync: { status: 'Synced', revision: sha }, health: { status: 'Progressing', message: 'waiting for 2 replicas' },
      conditions: [{ type: 'Ready', status: 'False', reason: 'Progressing', message: 'Deployment api: 0 of 2 replicas available', lastTransitionTime: '2026-12-02T10:00:00Z' }],
      resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace, name: 'api', status: 'Synced', health: { status: 'Progressing' } }],
    };
    await server.writer.saveStatus(key, status, new Date());
    await server.writer.saveDrift(key, {
      status: 'Synced', counts: { Synced: 1, OutOfSync: 0, Missing: 0, Extraneous: 0 }, fallbacks: [],
      objects: [{ ref: { group: 'apps', version: 'v1', kind: 'Deployment', namespace, name: 'api' }, status: 'Synced', mode: 'server-side-dry-run', patch: [], diff: '' }],
      timings: { totalMs: 0, clusterMs: 0, diffMs: 0, dryRuns: 0, dryRunFailures: 0, gets: 0, lists: 0, retries: 0 },
    }, sha, new Date());

    const page = await eventually('the tree with both Pods', async () => {
      const body = await (await fetch(`${server.base}/api/v1/console/namespaces/${namespace}/applications/api`, { headers: auth })).json() as {
        tree: { total: number; live: string; namespaces: { name: string; workloads: TreeNode[] }[] }; conditions: { message: string }[];
        source: { repoURL: string; commit: { short: string; url: string } }; drift: { status: string };
      };
      const pods = body.tree.namespaces[0]?.workloads[0]?.children[0]?.children ?? [];
      return pods.length >= 2 ? body : undefined;
    }, { timeoutMs: 60_000 });
    assert.equal(page.tree.live, 'ok');
    const api = page.tree.namespaces[0]?.workloads[0];
    assert.ok(api);
    assert.equal(api.id, `apps/Deployment/${namespace}/api`);
    const [replicaSet] = api.children;
    assert.ok(replicaSet);
    assert.equal(replicaSet.kind, 'ReplicaSet');
    assert.ok(replicaSet.children.every((pod) => pod.kind === 'Pod' && pod.name.startsWith('api-') && pod.health !== null), JSON.stringify(replicaSet.children));
    assert.ok(!JSON.stringify(page).includes('not-managed'), 'objects the Application does not own are not in its tree');
    assert.equal(page.conditions[0]?.message, 'Deployment api: 0 of 2 replicas available');
    assert.equal(page.source.commit.url, `https://github.com/example/deploy/commit/${sha}`);
    assert.equal(page.drift.status, 'Synced');

    const explain = async (pointer: string, object = 'kind=Deployment&group=apps&name=api'): Promise<{ status: number; body: { verdict?: string; message?: string; detail?: string } }> => {
      const response = await fetch(`${server.base}/api/v1/console/namespaces/${namespace}/applications/api/drift-object/explain?version=v1&namespace=${namespace}&${object}&pointer=${encodeURIComponent(pointer)}`, { headers: auth });
      return { status: response.status, body: await response.json() as { verdict?: string; message?: string } };
    };
    assert.equal((await explain('/spec/replicas')).body.verdict, 'equal', 'Berth applied replicas itself');
    const image = await explain('/spec/template/spec/containers/0/image');
    assert.equal(image.body.verdict, 'ignored-by-rule');
    assert.match(image.body.message ?? '', /ignoreDifferences\[0\]/);
    const revision = await explain('/metadata/annotations/deployment.kubernetes.io~1revision');
    assert.equal(revision.body.verdict, 'owned-by-other-manager');
    assert.match(revision.body.message ?? '', /kube-controller-manager/);
    assert.equal((await explain('/spec/revisionHistoryLimit')).body.verdict, 'defaulted');
    assert.equal((await explain('/metadata/uid')).body.verdict, 'normalized');

    // Hostile asks: an object outside the Application's drift report, a pointer that is not one.
    const stranger = await explain('/data/secret', 'kind=ConfigMap&group=&name=not-managed');
    assert.equal(stranger.status, 404);
    assert.match(stranger.body.detail ?? '', /has no ConfigMap\/.*not-managed in its drift report/);
    assert.equal((await explain('spec')).status, 400);

    const driftObject = await fetch(`${server.base}/api/v1/console/namespaces/${namespace}/applications/api/drift-object?group=apps&version=v1&kind=Deployment&namespace=${namespace}&name=api`, { headers: auth });
    assert.equal(driftObject.status, 200);
    assert.equal((await driftObject.json() as { status: string }).status, 'Synced');
  });
});
