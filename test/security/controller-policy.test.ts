/**
 * The controller's destination policy, end to end with the controller as a
 * separate process: a commit that would write into a namespace outside
 * --allowed-destinations is refused as a whole. Nothing of it is applied, and
 * nothing the previous commit deployed is pruned, although the commit removed
 * it; the release history and the controller's log name the rule. A
 * BerthPolicy naming a namespace narrows the allowed repositories for the
 * Applications in it: a refused repository is never even fetched.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { createRestClient } from '../../src/kube/rest.ts';
import { testKubeConfig, testNamespace } from '../harness/env.ts';
import { integrationSetUp } from '../harness/integration.ts';
import { eventually } from '../harness/eventually.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { configMapYaml, readConfigMapValue, readRelease, writeApplicationsFile } from '../controller/replica-fixtures.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { createBerthPolicy, installBerthPolicyCrd } from './tenant-fixtures.ts';

describe('the controller\'s security policy', () => {
  it('refuses a commit that writes outside --allowed-destinations: nothing applied, nothing pruned', { timeout: 180_000 }, async (t) => {
    const { namespace: allowedNamespace, rest, root, repository, server } = await integrationSetUp(t, 'policy');
    const otherNamespace = await testNamespace(t, 'policy-other');

    const first = await commitFiles(repository, { 'app/keep.yaml': configMapYaml(allowedNamespace, 'keep', 'one') }, 'first');
    const appsFile = writeApplicationsFile(root, [{ name: 'guarded', namespace: allowedNamespace, repoURL: server.url('deploy'), path: 'app', pollInterval: '2s' }]);
    const controller = startControllerProcess({ appsFile, env: { BERTH_ALLOWED_DESTINATIONS: `${allowedNamespace},team-*` } });
    t.after(async () => { await controller.stop(); });

    await controller.explain(eventually('the allowed commit to be Healthy', async () => {
      const record = await readRelease(rest, allowedNamespace, 'guarded');
      return record?.state.status === 'Healthy' && record.state.revision === first ? record : undefined;
    }, { timeoutMs: 60_000 }));
    assert.equal(await readConfigMapValue(rest, allowedNamespace, 'keep'), 'one');

    // The next commit removes `keep` and adds an object in a namespace the policy does not allow.
    const refused = await commitFiles(repository, {
      'app/keep.yaml': null,
      'app/steal.yaml': configMapYaml(otherNamespace, 'steal', 'two'),
    }, 'write elsewhere');
    const record = await controller.explain(eventually('the refused commit to fail', async () => {
      const current = await readRelease(rest, allowedNamespace, 'guarded');
      return current?.history.some((entry) => entry.revision === refused && entry.phase === 'Failed') ? current : undefined;
    }, { timeoutMs: 60_000 }));

    const failure = record.history.find((entry) => entry.revision === refused && entry.phase === 'Failed');
    assert.match(failure?.message ?? '', new RegExp(`ConfigMap/${otherNamespace}/steal: namespace ${otherNamespace} is not allowed by --allowed-destinations \\(${allowedNamespace}, team-\\*\\)`));
    assert.match(failure?.message ?? '', /nothing applied, nothing pruned/);
    assert.notEqual(record.state.status, 'Healthy');
    assert.equal(await readConfigMapValue(rest, otherNamespace, 'steal'), undefined, 'nothing was applied');
    assert.equal(await readConfigMapValue(rest, allowedNamespace, 'keep'), 'one', 'nothing was pruned');

    const logged = controller.logLines().some((line) => JSON.stringify(line).includes('is not allowed by --allowed-destinations'));
    assert.ok(logged, 'the controller log names the rule');
  });

  // This used the tenant's own berth-policy ConfigMap, which the tenant could rewrite (issue 13); a BerthPolicy is cluster-scoped.
  it('lets a BerthPolicy narrow the allowed repositories of a namespace', { timeout: 120_000 }, async (t) => {
    const namespace = await testNamespace(t, 'ns-policy');
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    await installBerthPolicyCrd(rest);
    const policyName = await createBerthPolicy(t, rest, { namespaces: [namespace], allowedRepos: ['https://github.com/team-a/*'] });
    const root = await tempDir('berth-policy-git-');
    const repository = await createRepository(root, 'deploy');
    const server = await startGitServer(root);
    t.after(async () => { await server.close(); fs.rmSync(root, { recursive: true, force: true }); });
    await commitFiles(repository, { 'app/cm.yaml': configMapYaml(namespace, 'never', 'one') }, 'first');
    const appsFile = writeApplicationsFile(root, [{ name: 'narrowed', namespace, repoURL: server.url('deploy'), path: 'app', pollInterval: '2s' }]);
    const controller = startControllerProcess({ appsFile });
    t.after(async () => { await controller.stop(); });

    const rule = `repository ${server.url('deploy')} is not allowed by BerthPolicy ${policyName} allowedRepos (https://github.com/team-a/*)`;
    await controller.explain(eventually('the refusal to be reported', () =>
      Promise.resolve(controller.logLines().some((line) => JSON.stringify(line).includes(rule)) ? true : undefined), { timeoutMs: 60_000 }));
    assert.equal(await readConfigMapValue(rest, namespace, 'never'), undefined, 'nothing was applied');
    assert.equal(server.requests.length, 0, 'the repository was never fetched');
  });
});
