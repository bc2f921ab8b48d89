/**
 * The Application CRD on the real control plane: it installs from the chart and
 * becomes Established, the API server and `parseApplication` agree on a corpus
 * of valid and invalid Applications, and a status written by the controller
 * shows in `kubectl get bapp`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { KubeObject } from '../../objects.ts';
import { invalidSpecConditions, setCondition } from '../../src/application/conditions.ts';
import { durationPattern } from '../../src/application/duration.ts';
import { parseApplication } from '../../src/application/parse.ts';
import { readApplicationStatus, type ApplicationStatus } from '../../src/application/status-schema.ts';
import { applicationsPath, statusFieldManager, writeApplicationStatus } from '../../src/application/status-writer.ts';
import { createRestClient, KubeApiError, type RestClient } from '../../src/kube/rest.ts';
import { kubeconfigPath, testKubeConfig, testNamespace, uniqueName } from '../harness/env.ts';
import { invalidCases, validCases } from './corpus.ts';
import { installApplicationCrd } from './install-crd.ts';

const run = promisify(execFile);

function application(namespace: string, name: string, spec: Record<string, unknown>): KubeObject & { spec: unknown } {
  return { apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace }, spec };
}

/** What the API server says of creating `object` (dry run, unknown fields rejected as `kubectl apply` does): undefined if accepted. */
async function serverVerdict(rest: RestClient, object: KubeObject): Promise<string | undefined> {
  try {
    await rest.request('POST', applicationsPath(object.metadata.namespace), {
      query: { dryRun: 'All', fieldValidation: 'Strict' }, body: object,
    });
    return undefined;
  } catch (error) {
    if (error instanceof KubeApiError && (error.status === 422 || error.status === 400)) return error.message;
    throw error;
  }
}

function schemaOf(crd: KubeObject): Record<string, unknown> {
  const versions = (crd.spec as { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] }).versions;
  const schema = versions[0]?.schema.openAPIV3Schema;
  assert.ok(schema);
  return schema;
}

describe('the Application CRD', () => {
  let rest: RestClient;
  let crd: KubeObject;
  before(async () => {
    rest = await createRestClient(testKubeConfig());
    crd = await installApplicationCrd(rest);
  });
  after(() => { rest.close(); });

  it('installs from the chart, is Established, and has the short name bapp and a status subresource', () => {
    const spec = crd.spec as { names: { shortNames: string[] }; versions: { name: string; subresources?: { status?: object } }[] };
    assert.deepEqual(spec.names.shortNames, ['bapp']);
    const [version] = spec.versions;
    assert.equal(version?.name, 'v1alpha1');
    assert.ok(version.subresources?.status, 'the status subresource is on');
  });

  it('uses the duration pattern of the code', () => {
    const syncPolicy = ((schemaOf(crd).properties as Record<string, { properties: Record<string, unknown> }>).spec?.properties.syncPolicy) as
      { properties: { pollInterval: { pattern: string } } };
    assert.equal(syncPolicy.properties.pollInterval.pattern, durationPattern);
  });

  it('accepts every valid Application of the corpus, as parseApplication does', async (t) => {
    const namespace = await testNamespace(t, 'app-valid');
    for (const { what, spec } of validCases) {
      const object = application(namespace, uniqueName('valid'), spec);
      const parsed = parseApplication(object, what);
      assert.ok(parsed.ok, `parseApplication rejects ${what}: ${parsed.ok ? '' : parsed.message}`);
      assert.equal(await serverVerdict(rest, object), undefined, `the API server rejects ${what}`);
    }
  });

  it('rejects every invalid Application of the corpus, as parseApplication does, both naming the field', async (t) => {
    const namespace = await testNamespace(t, 'app-invalid');
    for (const { what, spec, field } of invalidCases) {
      const object = application(namespace, uniqueName('invalid'), spec);
      const parsed = parseApplication(object, what);
      if (parsed.ok) assert.fail(`parseApplication accepts ${what}`);
      assert.ok(parsed.problems.some((problem) => problem.path === field), `${what}: parseApplication says ${parsed.message}`);
      const verdict = await serverVerdict(rest, object);
      assert.ok(verdict !== undefined, `the API server accepts ${what}`);
      assert.ok(verdict.includes(field), `${what}: the API server's message does not name ${field}: ${verdict}`);
    }
  });

  it('shows Sync, Health and Revision in kubectl get bapp after a status write, which leaves the spec alone', async (t) => {
    const namespace = await testNamespace(t, 'app-status');
    const name = uniqueName('guestbook');
    const created = (await rest.request('POST', applicationsPath(namespace), { body: application(namespace, name, validCases[1]?.spec ?? {}) })).body as KubeObject;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const revision = '3f2c9a1b7d4e5f60718293a4b5c6d7e8f9012345';
    const status: ApplicationStatus = {
      observedGeneration: created.metadata.generation,
      sync: { status: 'Synced', revision },
      health: { status: 'Healthy', message: 'all 2 objects are healthy' },
      conditions: setCondition([], { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'synced and healthy', observedGeneration: 1 }, now),
      resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'guestbook', name: 'web', status: 'Synced', health: { status: 'Healthy', message: 'ok' } }],
      history: [{
        id: 1, revision, initiator: 'auto', phase: 'Succeeded', startedAt: now, finishedAt: now, message: 'synced',
        changes: { created: 2, configured: 0, unchanged: 0, deleted: 0, skipped: 0, failed: 0 },
      }],
      lastHealthyRevision: revision,
      release: { status: 'Progressing', reason: 'Applied', message: 'waiting for health', revision, initiator: 'auto', deadline: now },
    };
    const stored = await writeApplicationStatus(rest, { namespace, name }, status);
    assert.ok(stored);
    assert.deepEqual(stored.spec, created.spec, 'a status write must not touch the spec');
    assert.deepEqual(readApplicationStatus(stored.status), status, 'the status reads back as written, unknown release fields included');
    const managers = (stored.metadata.managedFields ?? []).map((entry) => `${entry.manager ?? ''}/${entry.subresource ?? ''}`);
    assert.ok(managers.includes(`${statusFieldManager}/status`), managers.join(', '));

    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfigPath(), 'get', 'bapp', '-n', namespace, name]);
    const [header = '', row = ''] = stdout.trim().split('\n');
    assert.deepEqual(header.split(/\s+/), ['NAME', 'SYNC', 'HEALTH', 'REVISION', 'AGE']);
    assert.deepEqual(row.split(/\s+/).slice(0, 4), [name, 'Synced', 'Healthy', revision]);

    // A field the controller stops sending goes away (server-side apply ownership).
    const { release: _release, ...withoutRelease } = status;
    const next = await writeApplicationStatus(rest, { namespace, name }, { ...withoutRelease, sync: { status: 'OutOfSync', revision } });
    const nextStatus = readApplicationStatus(next?.status);
    assert.equal(nextStatus?.release, undefined);
    assert.equal(nextStatus?.sync?.status, 'OutOfSync');
  });

  it('stores the conditions of an invalid spec, naming the field', async (t) => {
    const namespace = await testNamespace(t, 'app-cond');
    const name = uniqueName('app');
    await rest.request('POST', applicationsPath(namespace), { body: application(namespace, name, validCases[0]?.spec ?? {}) });
    const problems = [{ path: 'spec.syncPolicy.retry.limit', message: 'expected a number' }];
    const conditions = invalidSpecConditions(undefined, problems, 1, new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
    const stored = await writeApplicationStatus(rest, { namespace, name }, { conditions });
    const ready = readApplicationStatus(stored?.status)?.conditions?.find((condition) => condition.type === 'Ready');
    assert.ok(ready);
    assert.equal(ready.status, 'False');
    assert.match(ready.message, /spec\.syncPolicy\.retry\.limit: expected a number/);
    await run('kubectl', ['--kubeconfig', kubeconfigPath(), 'wait', '-n', namespace, `bapp/${name}`, '--for=condition=Stalled', '--timeout=10s']);
  });

  it('reports a status write for a deleted Application as nothing written', async (t) => {
    const namespace = await testNamespace(t, 'app-gone');
    assert.equal(await writeApplicationStatus(rest, { namespace, name: 'never-created' }, { sync: { status: 'Unknown' } }), undefined);
  });
});
