/**
 * `berth import` on the real control plane: the Berth objects it makes from
 * Argo CD's and Flux's documentation examples (src/migrate/testdata/) are
 * accepted by the API server with Berth's CRDs installed (Applications created
 * in the test's namespace, BerthPolicies by a server-side dry run, so no policy
 * narrows another test's namespaces); and `--from-cluster` converts an Argo CD
 * Application it finds on the cluster (a minimal Argo CD CRD, installed here).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { load, loadAll } from 'js-yaml';
import type { KubeObject } from '../../objects.ts';
import { applicationsPath } from '../../src/application/status-writer.ts';
import { berthPoliciesPath } from '../../src/policy/berth-policy-schema.ts';
import type { RestClient } from '../../src/kube/rest.ts';
import { installApplicationCrd } from '../application/install-crd.ts';
import { kubeconfigPath, testNamespace, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { testRestClient } from '../harness/integration.ts';
import { installBerthPolicyCrd } from '../security/tenant-fixtures.ts';

const root = path.resolve(import.meta.dirname, '../..');
const testdata = path.join(root, 'src/migrate/testdata');

interface Run { code: number; stdout: string; stderr: string }

function berth(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(path.join(root, 'src/bin/node'), [path.join(root, 'src/cli/main.ts'), ...args], { env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

const berthObjects = (stdout: string): KubeObject[] => loadAll(stdout) as KubeObject[];

/** Argo CD's Application CRD as far as this test needs it: the group, the names, any spec. */
const argoApplicationCrd = load(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: applications.argoproj.io }
spec:
  group: argoproj.io
  scope: Namespaced
  names: { kind: Application, listKind: ApplicationList, plural: applications, singular: application, shortNames: [app] }
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`) as KubeObject;

async function installArgoApplicationCrd(rest: RestClient): Promise<void> {
  await rest.request('PATCH', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/applications.argoproj.io', {
    query: { fieldManager: 'berth-tests', force: 'true' }, body: argoApplicationCrd, contentType: 'application/apply-patch+yaml',
  });
  await eventually('Argo CD Applications to be listable', async () => (await rest.request('GET', '/apis/argoproj.io/v1alpha1/applications')).status === 200 || undefined, { timeoutMs: 30_000 });
}

describe('berth import', () => {
  it('makes Applications and BerthPolicies the API server accepts from Argo CD\'s and Flux\'s documentation examples', { timeout: 120_000 }, async (t) => {
    const rest = await testRestClient(t);
    await installApplicationCrd(rest);
    await installBerthPolicyCrd(rest);
    const namespace = await testNamespace(t, 'import');
    const fixtures = fs.readdirSync(testdata).filter((file) => file.endsWith('.yaml')).sort();
    let applications = 0;
    let policies = 0;
    for (const fixture of fixtures) {
      const run = await berth('import', '-f', path.join(testdata, fixture));
      assert.ok(run.code === 0 || run.code === 1, `${fixture}: exit ${run.code}: ${run.stderr}`);
      for (const object of berthObjects(run.stdout)) {
        if (object.kind === 'Application') {
          // The test's own namespace rather than the example's (guestbook, podinfo, ...), so nothing is shared.
          const name = uniqueName(object.metadata.name ?? 'app').slice(0, 63);
          const sent = { ...object, metadata: { ...object.metadata, name, namespace } };
          const { status, body } = await rest.request('POST', applicationsPath(namespace), { body: sent });
          assert.equal(status, 201, `${fixture}: ${JSON.stringify(body)}`);
          assert.deepEqual((body as KubeObject).spec, object.spec, `${fixture}: the API server changed the spec`);
          applications++;
        } else {
          assert.equal(object.kind, 'BerthPolicy');
          const { status, body } = await rest.request('POST', berthPoliciesPath, { query: { dryRun: 'All' }, body: object });
          assert.equal(status, 201, `${fixture}: ${JSON.stringify(body)}`);
          policies++;
        }
      }
    }
    assert.equal(applications, 5);
    assert.equal(policies, 1);
  });

  it('--from-cluster converts the Argo CD Applications it finds, skipping kinds whose CRD is missing', { timeout: 120_000 }, async (t) => {
    const rest = await testRestClient(t);
    await installApplicationCrd(rest);
    await installArgoApplicationCrd(rest);
    const namespace = await testNamespace(t, 'import-cluster');
    await rest.request('POST', `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/applications`, {
      body: {
        apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'guestbook', namespace },
        spec: {
          project: 'default',
          source: { repoURL: 'https://github.com/argoproj/argocd-example-apps.git', targetRevision: 'HEAD', path: 'guestbook' },
          destination: { server: 'https://kubernetes.default.svc', namespace },
          syncPolicy: { automated: { prune: true, selfHeal: true } },
        },
      },
    });

    const run = await berth('import', '--from-cluster', '--kubeconfig', kubeconfigPath(), '--namespace', namespace);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const objects = berthObjects(run.stdout);
    assert.deepEqual(objects.map((object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`), [`Application/${namespace}/guestbook`]);
    assert.deepEqual(objects[0]?.spec, {
      source: { repoURL: 'https://github.com/argoproj/argocd-example-apps.git', targetRevision: 'HEAD', path: 'guestbook' },
      destination: { namespace },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    });
    const { status, body } = await rest.request('POST', applicationsPath(namespace), { body: objects[0] });
    assert.equal(status, 201, JSON.stringify(body));
  });

  it('exits 2 with the file named when the input is not YAML, and when neither -f nor --from-cluster is given', async () => {
    const bad = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'berth-import-')), 'bad.yaml');
    fs.writeFileSync(bad, 'kind: [unclosed\n');
    const run = await berth('import', '-f', bad);
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`berth import: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`));
    assert.equal((await berth('import')).code, 2);
    fs.rmSync(path.dirname(bad), { recursive: true, force: true });
  });
});
