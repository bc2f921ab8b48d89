/**
 * Policy tenants cannot widen (issue 13, finding 3), on the real control plane
 * with the controller as a separate process. Per-namespace policy is a
 * cluster-scoped BerthPolicy: a namespace-admin tenant cannot write one, the
 * old `berth-policy` ConfigMap in the tenant's namespace is no longer read, and
 * a tenant's repository cannot apply anything that is Berth's own state (a
 * BerthPolicy, objects in the controller's namespace): the commit is refused,
 * naming the object, before anything is applied.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import { createRestClient, KubeApiError, type RestClient } from '../../src/kube/rest.ts';
import { berthPoliciesPath } from '../../src/policy/berth-policy-schema.ts';
import { testKubeConfig, testNamespace, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { startControllerProcess, type ControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, readConfigMapValue } from '../controller/replica-fixtures.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import {
  application, berthPolicy, createBerthPolicy, deleteBerthPolicy, installBerthPolicyCrd, logged, namespaceAdmin, writeApplications,
} from './tenant-fixtures.ts';

async function adminClient(t: { after(fn: () => void): void }): Promise<RestClient> {
  const rest = await createRestClient(testKubeConfig());
  t.after(() => { rest.close(); });
  await installBerthPolicyCrd(rest);
  return rest;
}

const waitForLog = (controller: ControllerProcess, what: string, text: string): Promise<true> =>
  controller.explain(eventually(what, () => Promise.resolve(logged(controller.logLines(), text) ? true as const : undefined), { timeoutMs: 60_000 }));

describe('policy tenants cannot widen', () => {
  it('ignores a berth-policy ConfigMap the tenant rewrote: the BerthPolicy a tenant cannot write decides', { timeout: 180_000 }, async (t) => {
    const tenant = await testNamespace(t, 'tenant-a');
    const other = await testNamespace(t, 'tenant-b');
    const rest = await adminClient(t);
    // The admin's intent: team a writes only to its own namespace.
    const policyName = await createBerthPolicy(t, rest, { namespaces: [tenant], allowedDestinations: [tenant] });
    await rest.request('POST', `/api/v1/namespaces/${tenant}/configmaps`, {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'berth-policy' }, data: { allowedDestinations: tenant } },
    });
    // The tenant, admin of its namespace, widens the ConfigMap, and cannot touch the BerthPolicy.
    const asTenant = await namespaceAdmin(rest, tenant);
    // A new RoleBinding takes a moment to reach the authorizer.
    await eventually('the tenant to rewrite its berth-policy ConfigMap', () => asTenant.request('PATCH', `/api/v1/namespaces/${tenant}/configmaps/berth-policy`, {
      body: { data: { allowedDestinations: `${tenant},${other}` } }, contentType: 'application/merge-patch+json',
    }), { timeoutMs: 30_000 });
    const forbidden = await asTenant.request('POST', berthPoliciesPath, { body: berthPolicy(uniqueName('berth-tenant-policy'), { namespaces: [tenant] }) })
      .then(() => undefined, (error: unknown) => error);
    assert.ok(forbidden instanceof KubeApiError && forbidden.status === 403, `a namespace admin may not create a BerthPolicy (${String(forbidden)})`);

    const root = await tempDir('berth-tenant-policy-git-');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });
    await commitFiles(repository, { 'app/steal.yaml': configMapYaml(other, 'steal', 'one') }, 'write into the other tenant');
    const appsFile = writeApplications(root, [application('widen', tenant, { repoURL: server.url('deploy'), path: 'app' })]);
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    const refusal = `ConfigMap/${other}/steal: namespace ${other} is not allowed by BerthPolicy ${policyName} allowedDestinations (${tenant})`;
    await controller.explain(eventually('the write or its refusal', async () =>
      (await readConfigMapValue(rest, other, 'steal')) !== undefined || logged(controller.logLines(), refusal) ? true : undefined, { timeoutMs: 60_000 }));
    assert.equal(await readConfigMapValue(rest, other, 'steal'), undefined, 'nothing was written into the other namespace');
    assert.ok(logged(controller.logLines(), refusal), 'the refusal names the BerthPolicy');
    assert.ok(logged(controller.logLines(), `ConfigMap ${tenant}/berth-policy is no longer read`), 'the ignored ConfigMap is named in the log');
  });

  it('refuses a commit that writes a BerthPolicy or into the controller\'s namespace, naming the object', { timeout: 180_000 }, async (t) => {
    const tenant = await testNamespace(t, 'tenant-state');
    const controllerNamespace = await testNamespace(t, 'controller');
    const rest = await adminClient(t);
    const smuggled = uniqueName('berth-smuggled-policy');
    t.after(async () => { await deleteBerthPolicy(rest, smuggled); });

    const root = await tempDir('berth-tenant-state-git-');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });
    await commitFiles(repository, {
      'policy/policy.yaml': dump(berthPolicy(smuggled, { namespaces: ['*'], allowedDestinations: ['*'] })),
      'policy/cm.yaml': configMapYaml(tenant, 'beside-policy', 'one'),
      'records/cm.yaml': configMapYaml(controllerNamespace, 'berth-cluster-x', 'one'),
    }, 'Berth state');
    const appsFile = writeApplications(root, [
      application('policy', tenant, { repoURL: server.url('deploy'), path: 'policy' }),
      application('records', tenant, { repoURL: server.url('deploy'), path: 'records' }),
    ]);
    const controller = startControllerProcess({ appsFile, env: { BERTH_CONTROLLER_NAMESPACE: controllerNamespace } });
    t.after(async () => { await controller.stop(); });

    const refusals = [
      `BerthPolicy/${smuggled}: a BerthPolicy is Berth's own policy`,
      `ConfigMap/${controllerNamespace}/berth-cluster-x: the controller's namespace ${controllerNamespace}`,
    ];
    const stored = (): Promise<string> => rest.request('GET', `${berthPoliciesPath}/${smuggled}`).then(() => 'exists', () => 'absent');
    await controller.explain(eventually('the writes or their refusals', async () =>
      (await stored()) === 'exists' || refusals.every((refusal) => logged(controller.logLines(), refusal)) ? true : undefined, { timeoutMs: 60_000 }));
    assert.equal(await stored(), 'absent', 'the BerthPolicy was not applied');
    assert.equal(await readConfigMapValue(rest, tenant, 'beside-policy'), undefined, 'nothing of the refused commit was applied');
    assert.equal(await readConfigMapValue(rest, controllerNamespace, 'berth-cluster-x'), undefined);
  });

  it('narrows repositories and kinds with a BerthPolicy, and lets through what it allows', { timeout: 180_000 }, async (t) => {
    const repos = await testNamespace(t, 'narrow-repos');
    const kinds = await testNamespace(t, 'narrow-kinds');
    const allowed = await testNamespace(t, 'narrow-allowed');
    const rest = await adminClient(t);
    const reposPolicy = await createBerthPolicy(t, rest, { namespaces: [repos], allowedRepos: ['https://github.com/team-a/*'] });
    const kindsPolicy = await createBerthPolicy(t, rest, { namespaces: [kinds, allowed], deniedKinds: ['core/Secret'] });
    await createBerthPolicy(t, rest, { namespaces: [allowed], allowedKinds: ['core/ConfigMap'], allowedDestinations: [allowed], allowClusterScoped: false });

    const root = await tempDir('berth-narrow-git-');
    const repository = await createRepository(root, 'deploy');
    const fetched = await createRepository(root, 'fetched');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });
    await commitFiles(repository, { 'app/cm.yaml': configMapYaml(repos, 'never', 'one') }, 'first');
    const secret = dump({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'denied', namespace: kinds }, stringData: { a: 'b' } });
    await commitFiles(fetched, {
      'kinds/cm.yaml': configMapYaml(kinds, 'beside-secret', 'one'), 'kinds/secret.yaml': secret,
      'allowed/cm.yaml': configMapYaml(allowed, 'allowed', 'one'),
    }, 'first');
    const appsFile = writeApplications(root, [
      application('repos', repos, { repoURL: server.url('deploy'), path: 'app' }),
      application('kinds', kinds, { repoURL: server.url('fetched'), path: 'kinds' }),
      application('allowed', allowed, { repoURL: server.url('fetched'), path: 'allowed' }),
    ]);
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    await waitForLog(controller, 'the repository refusal', `repository ${server.url('deploy')} is not allowed by BerthPolicy ${reposPolicy} allowedRepos (https://github.com/team-a/*)`);
    await waitForLog(controller, 'the kind refusal', `Secret/${kinds}/denied: kind core/Secret is denied by BerthPolicy ${kindsPolicy} deniedKinds (core/Secret)`);
    await controller.explain(eventually('the allowed ConfigMap', () => readConfigMapValue(rest, allowed, 'allowed'), { timeoutMs: 60_000 }));
    assert.equal(server.requests.filter((request) => request.path.startsWith('/deploy.git')).length, 0, 'a refused repository is never fetched');
    assert.equal(await readConfigMapValue(rest, repos, 'never'), undefined);
    assert.equal(await readConfigMapValue(rest, kinds, 'beside-secret'), undefined, 'a refused commit applies nothing');
  });
});
