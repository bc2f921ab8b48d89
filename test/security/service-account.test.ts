/**
 * spec.serviceAccountName, end to end on the real control plane: the controller
 * applies, prunes and reads as `system:serviceaccount:<ns>:<name>` by
 * impersonation, so RBAC decides. A ServiceAccount allowed ConfigMaps only gets
 * its ConfigMap applied and its Secret refused as Forbidden, and the failed sync
 * prunes nothing. An Application without serviceAccountName syncs as
 * --default-service-account when one is set.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { type RestClient } from '../../src/kube/rest.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, readConfigMapValue, readRelease } from '../controller/replica-fixtures.ts';
import { commitFiles } from '../harness/git-repositories.ts';

/** A ServiceAccount that may do anything with ConfigMaps in its namespace, and nothing else. */
async function configMapDeployer(rest: RestClient, namespace: string, name: string): Promise<void> {
  await rest.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } } });
  await rest.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }],
    },
  });
  await rest.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
}

function secretYaml(namespace: string, name: string): string {
  return dump({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { token: 'not-for-you' } });
}

const failedEntry = async (rest: RestClient, namespace: string, app: string, revision: string) => {
  const record = await readRelease(rest, namespace, app);
  return record?.history.find((entry) => entry.revision === revision && entry.phase === 'Failed');
};

describe('syncing as the Application\'s ServiceAccount', () => {
  it('lets RBAC decide: the ConfigMap applies, the Secret is Forbidden, nothing is pruned', { timeout: 180_000 }, async (t) => {
    const { namespace, rest, root, repository, server } = await integrationSetUp(t, 'impersonate');
    await configMapDeployer(rest, namespace, 'deployer');

    const first = await commitFiles(repository, {
      'limited/old.yaml': configMapYaml(namespace, 'old', 'one'),
      'defaulted/cm.yaml': configMapYaml(namespace, 'defaulted', 'one'),
    }, 'first');
    const application = (name: string, appPath: string, serviceAccountName?: string) => ({
      apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
      spec: {
        source: { repoURL: server.url('deploy'), targetRevision: 'main', path: appPath },
        destination: { namespace },
        ...(serviceAccountName ? { serviceAccountName } : {}),
        syncPolicy: { automated: { prune: true }, pollInterval: '2s', rollback: { enabled: false } },
      },
    });
    const appsFile = path.join(root, 'apps.yaml');
    fs.writeFileSync(appsFile, dump({ apiVersion: 'v1', kind: 'List', items: [application('limited', 'limited', 'deployer'), application('defaulted', 'defaulted')] }));
    // The default ServiceAccount has no RBAC at all: an Application without serviceAccountName may do nothing.
    const controller = startControllerProcess({ appsFile, env: { BERTH_DEFAULT_SERVICE_ACCOUNT: 'nobody' } });
    t.after(async () => { await controller.stop(); });

    await controller.explain(eventually('the ConfigMap-only commit to be Healthy', async () => {
      const record = await readRelease(rest, namespace, 'limited');
      return record?.state.status === 'Healthy' && record.state.revision === first ? record : undefined;
    }, { timeoutMs: 60_000 }));
    assert.equal(await readConfigMapValue(rest, namespace, 'old'), 'one');

    // The default ServiceAccount may not even create a ConfigMap.
    const defaulted = await controller.explain(eventually('the defaulted Application to fail', () => failedEntry(rest, namespace, 'defaulted', first), { timeoutMs: 60_000 }));
    // Reads go through the same identity: the first thing refused is reading the live object.
    assert.match(defaulted.message, new RegExp(`ConfigMap/${namespace}/defaulted: .*failed: .*is forbidden: User "system:serviceaccount:${namespace}:nobody" cannot`));
    assert.equal(await readConfigMapValue(rest, namespace, 'defaulted'), undefined);

    // Next commit: `old` is removed, a ConfigMap and a Secret are added.
    const second = await commitFiles(repository, {
      'limited/old.yaml': null,
      'limited/settings.yaml': configMapYaml(namespace, 'settings', 'two'),
      'limited/token.yaml': secretYaml(namespace, 'token'),
    }, 'second');
    const failure = await controller.explain(eventually('the commit with a Secret to fail', () => failedEntry(rest, namespace, 'limited', second), { timeoutMs: 60_000 }));
    assert.match(failure.message, new RegExp(`Secret/${namespace}/token: .*failed: .*secrets "token" is forbidden: User "system:serviceaccount:${namespace}:deployer" cannot`));
    assert.equal(await readConfigMapValue(rest, namespace, 'settings'), 'two', 'the ConfigMap the ServiceAccount may write was applied');
    assert.equal(await readConfigMapValue(rest, namespace, 'old'), 'one', 'a failed sync prunes nothing');
    const secret = await rest.request('GET', `/api/v1/namespaces/${namespace}/secrets/token`).then(() => 'exists', () => 'absent');
    assert.equal(secret, 'absent');
  });
});
