/**
 * A HealthRule (cluster-scoped, watched by the controller) gives a kind Berth
 * knows nothing of a health that gates the rollout (issue 18): a Gizmo, which
 * writes no kstatus conditions, has no opinion without one and is left out; with
 * a HealthRule the release waits until the test writes `status.phase: Ready`
 * through the status subresource, and an Application's spec.healthChecks for the
 * same kind wins over the cluster's rule.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dump } from 'js-yaml';
import { createRestClient } from '../../src/kube/rest.ts';
import { testKubeConfig, testNamespace, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { readRelease } from '../controller/replica-fixtures.ts';
import { installCrd } from './install-certificate-crd.ts';

const gizmoCrd = fileURLToPath(new URL('./fixtures/gizmos-crd.yaml', import.meta.url));
const healthRuleCrd = fileURLToPath(new URL('../../charts/berth/crds/healthrules.berth.dev.yaml', import.meta.url));

describe('a cluster HealthRule', () => {
  it('gates the rollout of a kind Berth has no rule for, and an Application\'s healthChecks win over it', { timeout: 300_000 }, async (t) => {
    const namespace = await testNamespace(t, 'health-rule');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    await installCrd(rest, gizmoCrd, '/apis/health-test.berth.dev/v1/gizmos');
    await installCrd(rest, healthRuleCrd, '/apis/berth.dev/v1alpha1/healthrules');
    // Cluster-scoped: named for this test and removed after it; no other test has Gizmos.
    const ruleName = uniqueName('gizmos');
    await rest.request('POST', '/apis/berth.dev/v1alpha1/healthrules', { body: {
      apiVersion: 'berth.dev/v1alpha1', kind: 'HealthRule', metadata: { name: ruleName },
      spec: { rules: [{
        group: 'health-test.berth.dev', kind: 'Gizmo',
        failed: `has(self.status) && has(self.status.phase) && self.status.phase == 'Broken'`,
        current: `has(self.status) && has(self.status.phase) && self.status.phase == 'Ready'`,
        message: `has(self.status) && has(self.status.phase) ? 'phase ' + self.status.phase : 'no phase yet'`,
      }] },
    } });
    t.after(async () => { await rest.request('DELETE', `/apis/berth.dev/v1alpha1/healthrules/${ruleName}`).catch(() => undefined); });

    const root = await tempDir('berth-health-rule-git-');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });
    const gizmo = (name: string): string => dump({ apiVersion: 'health-test.berth.dev/v1', kind: 'Gizmo', metadata: { name, namespace }, spec: { size: 1 } });
    await commitFiles(repository, { 'apps/cluster-rule/gizmo.yaml': gizmo('by-cluster-rule'), 'apps/own-rule/gizmo.yaml': gizmo('by-own-rule') }, 'two Gizmos');
    const application = (name: string, healthChecks: object[]): object => ({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
      spec: {
        source: { repoURL: server.url('deploy'), targetRevision: 'main', path: `apps/${name}` },
        destination: { namespace },
        syncPolicy: { automated: { prune: true }, pollInterval: '10m', rollback: { enabled: true, healthTimeout: '4m' } },
        healthChecks,
      },
    });
    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({ apiVersion: 'v1', kind: 'List', items: [
      application('cluster-rule', []),
      // The Application's own rule for the kind: Healthy with no status at all.
      application('own-rule', [{ group: 'health-test.berth.dev', kind: 'Gizmo', current: 'true' }]),
    ] }));
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    const own = await controller.explain(eventually('the Application with its own rule to be Healthy at once', async () => {
      const record = await readRelease(rest, namespace, 'own-rule');
      return record?.state.status === 'Healthy' ? record : undefined;
    }, { timeoutMs: 90_000 }));
    assert.equal(own.state.reason, 'RolloutSucceeded');
    const waiting = await controller.explain(eventually('the cluster rule to hold the other one back', async () => {
      const record = await readRelease(rest, namespace, 'cluster-rule');
      return record?.state.status === 'Progressing' && record.rollout ? record : undefined;
    }, { timeoutMs: 90_000 }));
    const firstCheck = waiting.rollout?.nextCheckAt ?? 0;
    await controller.explain(eventually('a recheck that still waits for the Gizmo', async () => {
      const record = await readRelease(rest, namespace, 'cluster-rule');
      return record?.state.status === 'Progressing' && record.rollout && record.rollout.nextCheckAt > firstCheck ? true : undefined;
    }, { timeoutMs: 60_000 }));

    await rest.request('PATCH', `/apis/health-test.berth.dev/v1/namespaces/${namespace}/gizmos/by-cluster-rule/status`, {
      contentType: 'application/merge-patch+json', body: { status: { phase: 'Ready' } },
    });
    const healthy = await controller.explain(eventually('the Gizmo\'s phase Ready to make it Healthy', async () => {
      const record = await readRelease(rest, namespace, 'cluster-rule');
      return record?.state.status === 'Healthy' ? record : undefined;
    }, { timeoutMs: 60_000 }));
    assert.equal(healthy.state.reason, 'RolloutSucceeded');
  });
});
