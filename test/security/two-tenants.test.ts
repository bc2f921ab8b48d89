/**
 * Two tenants on one controller (issue 13, "a tenant test with two namespaces
 * and two repositories"): nothing team a's repository or Applications do
 * changes, reads or deletes anything of team b or of Berth itself, and team b
 * keeps deploying throughout. The real control plane, one real controller
 * process in the README's hardened configuration (--allow-cluster-scoped=false,
 * --default-service-account, its own --controller-namespace, a BerthPolicy per
 * team narrowing repositories and destinations), two Git repositories served on
 * loopback: team b's behind a password, team a's behind a proxy that records
 * every Authorization header it is sent. Each subtest is one attack by team a;
 * after each, what team b owns (objects, Secrets, Application status, release
 * record) and Berth's own state (policies, CRDs, the controller's namespace)
 * are compared with a snapshot taken before it, and a new commit of team b must
 * still deploy.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { dump } from 'js-yaml';
import type { KubeObject } from '../../objects.ts';
import { createRestClient, KubeApiError } from '../../src/kube/rest.ts';
import { berthPoliciesPath } from '../../src/policy/berth-policy-schema.ts';
import { installApplicationCrd, readApplicationCrd } from '../application/install-crd.ts';
import { helmBinary } from '../harness/assets.ts';
import { startControllerProcess } from '../controller/controller-process.ts';
import { testKubeConfig, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { cleanUpPrefix } from '../queue/helpers.ts';
import { commitFiles, createRepository, startGitServer, tempDir } from '../harness/git-repositories.ts';
import { berthPolicy, deleteBerthPolicy, installBerthPolicyCrd } from './tenant-fixtures.ts';
import {
  applicationsApi, basicAuth, configMap, createNamespace, createTenant, deployment, findReleaseRecord, getOrUndefined,
  forgeRecord, startRecordingGitServer, statusOf, type Tenant,
} from './two-tenants-fixtures.ts';

interface Condition { type: string; status: string; message?: string }
interface AppStatus { sync?: { status?: string; revision?: string }; health?: { status?: string }; conditions?: Condition[]; release?: { status?: string; revision?: string; message?: string } }
interface AppBody { metadata: { uid: string }; status?: AppStatus }

const adminToken = randomBytes(16).toString('hex');
const teamBPassword = `team-b-${randomBytes(8).toString('hex')}`;

function applicationBody(name: string, namespace: string, source: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
    spec: {
      source: { targetRevision: 'main', ...source },
      destination: { namespace },
      syncPolicy: { automated: { prune: true, allowEmpty: false }, pollInterval: '5s', rollback: { enabled: false } },
    },
  };
}

describe('two tenants on one controller', () => {
  it('keeps team a away from team b and from Berth\'s own state', { timeout: 300_000 }, async (t) => {
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    await installApplicationCrd(rest);
    await installBerthPolicyCrd(rest);
    const a = await createTenant(t, rest, 'team-a');
    const b = await createTenant(t, rest, 'team-b');
    const controllerNamespace = await createNamespace(t, rest, 'two-tenants-controller');

    const rootA = await tempDir('two-tenants-a');
    const rootB = await tempDir('two-tenants-b');
    t.after(() => { for (const dir of [rootA, rootB]) fs.rmSync(dir, { recursive: true, force: true }); });
    const repoA = await createRepository(rootA, 'team-a');
    const repoB = await createRepository(rootB, 'team-b');
    const gitA = await startRecordingGitServer(t, rootA);
    const gitB = await startGitServer(rootB, { username: 'team-b', password: teamBPassword });
    t.after(() => gitB.close());
    const originB = new URL(gitB.url('x')).origin;

    // What the cluster admin sets up: one BerthPolicy per team, team b's Secrets, a record of Berth's own.
    const policyA = uniqueName('berth-team-a');
    const policyB = uniqueName('berth-team-b');
    for (const [name, namespace, origin] of [[policyA, a.namespace, gitA.origin], [policyB, b.namespace, originB]] as const) {
      await rest.request('POST', berthPoliciesPath, {
        body: berthPolicy(name, { namespaces: [namespace], allowedRepos: [`${origin}/*`], allowedDestinations: [namespace], allowClusterScoped: false }),
      });
      t.after(async () => { await deleteBerthPolicy(rest, name); });
    }
    const secretsB = `/api/v1/namespaces/${b.namespace}/secrets`;
    await rest.request('POST', secretsB, {
      body: {
        apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git-creds', annotations: { 'berth.dev/repo-url-prefixes': `${originB}/` } },
        stringData: { username: 'team-b', password: teamBPassword },
      },
    });
    await rest.request('POST', secretsB, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'database' }, stringData: { password: 'team-b-database' } } });
    await rest.request('POST', `/api/v1/namespaces/${controllerNamespace}/configmaps`, {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'berth-settings' }, data: { owner: 'platform' } },
    });

    const firstA = await commitFiles(repoA, {
      'app/settings.yaml': configMap(a.namespace, 'settings', { value: 'a-1' }), 'app/deployment.yaml': deployment(a.namespace, 'registry.example/a:1'),
    }, 'team a: first');
    let lastB = await commitFiles(repoB, {
      'app/settings.yaml': configMap(b.namespace, 'settings', { value: 'b-1' }), 'app/deployment.yaml': deployment(b.namespace, 'registry.example/b:1'),
    }, 'team b: first');

    // Each tenant creates its own Application; both are named `web` on purpose.
    const createApplication = (tenant: Tenant, body: KubeObject) =>
      tenant.client.request('POST', `${applicationsApi}/namespaces/${tenant.namespace}/applications`, { body });
    await eventually('team a\'s RoleBindings to reach the authorizer', () =>
      createApplication(a, applicationBody('web', a.namespace, { repoURL: gitA.url('team-a'), path: 'app' })), { timeoutMs: 30_000 });
    await eventually('team b\'s RoleBindings to reach the authorizer', () =>
      createApplication(b, applicationBody('web', b.namespace, { repoURL: gitB.url('team-b'), path: 'app', credentialsSecret: 'git-creds' })), { timeoutMs: 30_000 });

    const queuePrefix = uniqueName('berth-two-tenants');
    cleanUpPrefix(t, queuePrefix);
    const controller = startControllerProcess({
      watchCluster: true, namespaces: [a.namespace, b.namespace], queuePrefix,
      env: {
        BERTH_CONTROLLER_NAMESPACE: controllerNamespace, BERTH_ALLOW_CLUSTER_SCOPED: 'false', BERTH_DEFAULT_SERVICE_ACCOUNT: 'tenant-admin',
        BERTH_API_ADMIN_TOKENS: adminToken, BERTH_HELM: await helmBinary(),
      },
    });
    t.after(async () => { await controller.stop(); });
    const baseUrl = await controller.baseUrl();

    const appPath = (tenant: Tenant, name: string): string => `${applicationsApi}/namespaces/${tenant.namespace}/applications/${name}`;
    const readApp = async (tenant: Tenant, name: string): Promise<AppBody> => (await rest.request('GET', appPath(tenant, name))).body as AppBody;
    /** A refresh through the API, as a webhook delivery would ask; a new Application is asked once the controller's watch has it. */
    const refresh = async (tenant: Tenant, name: string): Promise<void> => {
      await eventually(`the controller to accept a refresh of ${tenant.namespace}/${name}`, async () => {
        const response = await fetch(`${baseUrl}/api/v1/namespaces/${tenant.namespace}/applications/${name}/refresh`, {
          method: 'POST', headers: { authorization: `Bearer ${adminToken}` },
        });
        await response.body?.cancel();
        return response.status === 202 || undefined;
      }, { timeoutMs: 20_000, intervalMs: 100 });
    };
    const readyAt = (tenant: Tenant, name: string, revision: string) => async (): Promise<AppStatus | undefined> => {
      const { status } = await readApp(tenant, name);
      const ready = status?.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True';
      return ready && status.sync?.revision === revision ? status : undefined;
    };
    /** Waits until the Application's status says every one of `texts` (a refusal names what it refused). */
    const reports = (tenant: Tenant, name: string, texts: readonly string[], what: string): Promise<string> =>
      controller.explain(eventually(what, async () => {
        const text = JSON.stringify((await readApp(tenant, name)).status ?? {});
        return texts.every((expected) => text.includes(expected)) ? text : undefined;
      }, { timeoutMs: 60_000 }));
    const configMapData = async (namespace: string, name: string): Promise<Record<string, string> | undefined> =>
      (await getOrUndefined(rest, `/api/v1/namespaces/${namespace}/configmaps/${name}`))?.data as Record<string, string> | undefined;

    await controller.explain(eventually('both Applications to be Ready', async () =>
      (await readyAt(a, 'web', firstA)()) && (await readyAt(b, 'web', lastB)()) ? true : undefined, { timeoutMs: 90_000 }));
    const uidA = (await readApp(a, 'web')).metadata.uid;
    const uidB = (await readApp(b, 'web')).metadata.uid;
    const recordOfB = async () => findReleaseRecord(rest, controllerNamespace, { namespace: b.namespace, name: 'web', uid: uidB });
    const recordOfA = async () => findReleaseRecord(rest, controllerNamespace, { namespace: a.namespace, name: 'web', uid: uidA });
    assert.ok(await recordOfB(), 'team b has a release record');

    /** Everything of team b's and of Berth's that team a must not change. */
    const snapshot = async () => {
      const app = (await readApp(b, 'web')).status;
      const deployed = await getOrUndefined(rest, `/apis/apps/v1/namespaces/${b.namespace}/deployments/web`) as { spec?: unknown } | undefined;
      const secrets = await Promise.all(['git-creds', 'database'].map(async (name) => {
        const secret = await getOrUndefined(rest, `${secretsB}/${name}`) as { metadata: { resourceVersion: string }; data: unknown } | undefined;
        return { name, resourceVersion: secret?.metadata.resourceVersion, data: secret?.data };
      }));
      const policies = await Promise.all([policyA, policyB].map(async (name) => {
        const policy = await getOrUndefined(rest, `${berthPoliciesPath}/${name}`) as { metadata: { resourceVersion: string }; spec: unknown } | undefined;
        return { name, resourceVersion: policy?.metadata.resourceVersion, spec: policy?.spec };
      }));
      const crds = await Promise.all(['applications.berth.dev', 'berthpolicies.berth.dev'].map(async (name) => {
        const crd = await getOrUndefined(rest, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`) as KubeObject | undefined;
        return { name, labels: crd?.metadata.labels, managers: [...new Set(crd?.metadata.managedFields?.map((entry) => entry.manager))].sort() };
      }));
      const { body } = await rest.request('GET', `/api/v1/namespaces/${controllerNamespace}/configmaps`);
      const appliedThere = (body as { items: KubeObject[] }).items.filter((item) => item.metadata.annotations?.['berth.dev/app'] !== undefined).map((item) => item.metadata.name);
      return {
        teamB: {
          settings: await configMapData(b.namespace, 'settings'),
          deployment: deployed?.spec,
          secrets,
          status: {
            sync: app?.sync, health: app?.health?.status, release: [app?.release?.status, app?.release?.revision],
            ready: app?.conditions?.find((condition) => condition.type === 'Ready')?.status,
          },
          record: await recordOfB(),
        },
        berth: { policies, crds, sentinel: await configMapData(controllerNamespace, 'berth-settings'), appliedInControllerNamespace: appliedThere },
      };
    };
    /** Team b commits; its Application deploys the commit (asked with a refresh, as a webhook would). */
    let generation = 1;
    const teamBStillDeploys = async (): Promise<void> => {
      generation += 1;
      const value = `b-${String(generation)}`;
      lastB = await commitFiles(repoB, { 'app/settings.yaml': configMap(b.namespace, 'settings', { value }) }, `team b: ${value}`);
      await refresh(b, 'web');
      await controller.explain(eventually(`team b's commit ${value} to deploy`, readyAt(b, 'web', lastB), { timeoutMs: 60_000 }));
      assert.equal((await configMapData(b.namespace, 'settings'))?.value, value);
    };
    const untouched = async (before: Awaited<ReturnType<typeof snapshot>>): Promise<void> => {
      assert.deepEqual(await snapshot(), before, 'team b\'s objects, Secrets, status and release record, and Berth\'s own state, are unchanged');
    };
    const commitA = async (files: Record<string, string | null>, message: string, apps: readonly string[] = ['web']): Promise<string> => {
      const commit = await commitFiles(repoA, files, message);
      for (const name of apps) await refresh(a, name);
      return commit;
    };

    await t.test('1. a manifest with metadata.namespace: team-b is refused; team b is unchanged', async () => {
      const before = await snapshot();
      await commitA({
        'app/steal-settings.yaml': configMap(b.namespace, 'settings', { value: 'owned by team a' }),
        'app/steal-deployment.yaml': deployment(b.namespace, 'registry.example/team-a-miner:1'),
      }, 'team a: write into team b');
      const status = await reports(a, 'web', [`ConfigMap/${b.namespace}/settings`, `Deployment/${b.namespace}/web`, policyA], 'the refusal naming team b\'s objects');
      assert.match(status, /is not allowed by BerthPolicy/);
      assert.equal((await configMapData(a.namespace, 'settings'))?.value, 'a-1', 'nothing of the refused commit was applied');
      // The same through the Application: its destination is team b's namespace.
      const elsewhere = applicationBody('elsewhere', a.namespace, { repoURL: gitA.url('team-a'), path: 'app' });
      (elsewhere.spec as { destination: { namespace: string } }).destination.namespace = b.namespace;
      await createApplication(a, elsewhere);
      t.after(async () => { await a.client.request('DELETE', appPath(a, 'elsewhere')).catch(() => undefined); });
      await refresh(a, 'elsewhere');
      await reports(a, 'elsewhere', [`destination namespace ${b.namespace} is not allowed by BerthPolicy ${policyA}`], 'the destination refusal');
      await a.client.request('DELETE', appPath(a, 'elsewhere'));
      await untouched(before);
      await teamBStillDeploys();
    });

    await t.test('2. a BerthPolicy, a release record in the controller\'s namespace and the Application CRD are refused, each named', async () => {
      const before = await snapshot();
      const recordB = await recordOfB();
      const recordName = recordB?.namespace === controllerNamespace ? recordB.name : `berth-release-${uidB}`;
      const forgedRecord = dump({
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: recordName, namespace: controllerNamespace },
        data: { 'release.json': JSON.stringify({ inventory: { entries: [{ group: '', version: 'v1', kind: 'ConfigMap', namespace: b.namespace, name: 'settings' }] } }) },
      });
      const crd = await readApplicationCrd();
      crd.metadata.labels = { ...crd.metadata.labels, 'owned-by': 'team-a' };
      // Team b's own BerthPolicy, narrowed to team a's repositories: it would stop team b.
      const policy = dump(berthPolicy(policyB, { namespaces: [b.namespace], allowedRepos: [`${gitA.origin}/*`] }));
      await commitFiles(repoA, { 'policy/policy.yaml': policy, 'record/record.yaml': forgedRecord, 'crd/crd.yaml': dump(crd) }, 'team a: Berth\'s state');
      for (const name of ['policy', 'record', 'crd']) await createApplication(a, applicationBody(name, a.namespace, { repoURL: gitA.url('team-a'), path: name }));
      for (const name of ['policy', 'record', 'crd']) await refresh(a, name);
      t.after(async () => { for (const name of ['policy', 'record', 'crd']) await a.client.request('DELETE', appPath(a, name)).catch(() => undefined); });
      await reports(a, 'policy', [`BerthPolicy/${policyB}`, 'Berth\'s own policy'], 'the BerthPolicy refusal');
      await reports(a, 'record', [`ConfigMap/${controllerNamespace}/${recordName}`], 'the release record refusal');
      await reports(a, 'crd', ['CustomResourceDefinition/applications.berth.dev', 'Berth\'s own CustomResourceDefinition'], 'the CRD refusal');
      await untouched(before);
      // Where team b's record is elsewhere, the forged one must not exist at all (where it is there, the snapshot compared it).
      if (recordB?.namespace !== controllerNamespace) assert.equal(await configMapData(controllerNamespace, recordName), undefined);
      for (const name of ['policy', 'record', 'crd']) await a.client.request('DELETE', appPath(a, name));
      await teamBStillDeploys();
    });

    await t.test('3. team b\'s Secret named by a team a Application never reaches team a\'s Git server', async () => {
      const before = await snapshot();
      // `team-b/git-creds` is no Secret name: the API server refuses the Application.
      const qualified = await a.client.request('POST', `${applicationsApi}/namespaces/${a.namespace}/applications`, {
        body: applicationBody('steal-qualified', a.namespace, { repoURL: gitA.url('team-a'), path: 'app', credentialsSecret: `${b.namespace}/git-creds` }),
      }).then(() => undefined, (error: unknown) => error);
      assert.ok(qualified instanceof KubeApiError && qualified.status === 422 && qualified.message.includes('credentialsSecret'), `a namespace-qualified credentialsSecret is invalid (${String(qualified)})`);
      // The plain name of a Secret that exists only in team b.
      await createApplication(a, applicationBody('steal', a.namespace, { repoURL: gitA.url('team-a'), path: 'app', credentialsSecret: 'git-creds' }));
      await refresh(a, 'steal');
      t.after(async () => { await a.client.request('DELETE', appPath(a, 'steal')).catch(() => undefined); });
      const status = await reports(a, 'steal', [`${a.namespace}/git-creds`], 'the Secret refusal');
      // Team b's repository itself: team a's BerthPolicy does not allow it, so it is never fetched for team a.
      await createApplication(a, applicationBody('borrow', a.namespace, { repoURL: gitB.url('team-b'), path: 'app' }));
      t.after(async () => { await a.client.request('DELETE', appPath(a, 'borrow')).catch(() => undefined); });
      await refresh(a, 'borrow');
      await reports(a, 'borrow', [`repository ${gitB.url('team-b')} is not allowed by BerthPolicy ${policyA}`], 'the repository refusal');
      assert.ok(!status.includes(teamBPassword));
      const leaked = gitA.authorizations.filter((header) => header === basicAuth('team-b', teamBPassword)
        || Buffer.from(header.replace(/^\w+ /, ''), 'base64').toString().includes(teamBPassword) || header.includes(teamBPassword));
      assert.deepEqual(leaked, [], 'team b\'s password never reached team a\'s Git server');
      assert.ok(!controller.logLines().some((line) => JSON.stringify(line).includes(teamBPassword)), 'nor the controller\'s log');
      // App of apps: team a's repository declares an Application in team b's namespace that names team b's Secret.
      const planted = applicationBody('planted', b.namespace, { repoURL: gitA.url('team-a'), path: 'app', credentialsSecret: 'git-creds' });
      await commitFiles(repoA, { 'apps/planted.yaml': dump(planted) }, 'team a: an Application for team b');
      await createApplication(a, applicationBody('apps', a.namespace, { repoURL: gitA.url('team-a'), path: 'apps' }));
      await refresh(a, 'apps');
      t.after(async () => { await a.client.request('DELETE', appPath(a, 'apps')).catch(() => undefined); });
      await reports(a, 'apps', [`Application/${b.namespace}/planted`, 'is not allowed by BerthPolicy'], 'the refusal of the planted Application');
      assert.equal(await getOrUndefined(rest, appPath(b, 'planted')), undefined, 'no Application was planted in team b');
      assert.deepEqual(gitA.authorizations.filter((header) => header.includes(Buffer.from(`team-b:${teamBPassword}`).toString('base64'))), []);
      for (const name of ['steal', 'borrow', 'apps']) await a.client.request('DELETE', appPath(a, name));
      await untouched(before);
      await teamBStillDeploys();
    });

    await t.test('4. team a can neither read nor write release records; a berth-release-* ConfigMap it writes is never pruned from', async () => {
      const before = await snapshot();
      const recordB = await recordOfB();
      assert.ok(recordB);
      const configMaps = `/api/v1/namespaces/${controllerNamespace}/configmaps`;
      assert.equal(await statusOf(a.client.request('GET', configMaps)), 403, 'team a cannot list the controller\'s namespace');
      assert.equal(await statusOf(a.client.request('GET', `${configMaps}/berth-settings`)), 403);
      assert.equal(await statusOf(a.client.request('POST', configMaps, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'berth-release-x' } } })), 403);
      assert.equal(await statusOf(a.client.request('GET', `/api/v1/namespaces/${recordB.namespace}/configmaps/${recordB.name}`)), 403, 'team a cannot read team b\'s record');
      assert.equal(await statusOf(a.client.request('PATCH', `/api/v1/namespaces/${recordB.namespace}/configmaps/${recordB.name}`, {
        body: { data: {} }, contentType: 'application/merge-patch+json',
      })), 403, 'team a cannot write team b\'s record');
      assert.equal(await statusOf(a.client.request('GET', `${secretsB}/git-creds`)), 403, 'team a cannot read team b\'s Secrets');

      // A detector of team a's own, marked as its Application's: deleted only if team a's forged record is read.
      await rest.request('POST', `/api/v1/namespaces/${a.namespace}/configmaps`, {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bystander', annotations: { 'berth.dev/app': `${a.namespace}/web` } }, data: { value: 'stays' } },
      });
      const recordA = await recordOfA();
      assert.ok(recordA);
      const victims = [
        { group: '', version: 'v1', kind: 'ConfigMap', namespace: b.namespace, name: 'settings' },
        { group: 'apps', version: 'v1', kind: 'Deployment', namespace: b.namespace, name: 'web' },
        { group: '', version: 'v1', kind: 'ConfigMap', namespace: controllerNamespace, name: 'berth-settings' },
        { group: 'berth.dev', version: 'v1alpha1', kind: 'BerthPolicy', namespace: '', name: policyB },
      ];
      const forged = forgeRecord(recordA.text, [{ group: '', version: 'v1', kind: 'ConfigMap', namespace: a.namespace, name: 'bystander' }, ...victims]);
      // Under the name records had beside the Application, under the name they have now, and, in the old
      // format, for an Application not created yet (a record of the old place is migrated once).
      const legacy = { 'release.json': JSON.stringify({ state: {}, inventory: { entries: victims }, history: [] }) };
      for (const [name, data] of [['berth-release-web', forged], [`berth-release-${uidA}`, forged], ['berth-release-fresh', legacy]] as const) {
        await a.client.request('PATCH', `/api/v1/namespaces/${a.namespace}/configmaps/${name}`, {
          query: { fieldManager: 'team-a', force: 'true' }, contentType: 'application/apply-patch+yaml',
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: a.namespace }, data },
        });
      }
      // A commit that prunes (the files of case 1 go) runs team a's prune over whatever record is read.
      const commit = await commitA({ 'app/steal-settings.yaml': null, 'app/steal-deployment.yaml': null, 'app/settings.yaml': configMap(a.namespace, 'settings', { value: 'a-2' }) }, 'team a: prune');
      await controller.explain(eventually('team a\'s pruning commit to deploy', readyAt(a, 'web', commit), { timeoutMs: 60_000 }));
      assert.equal((await configMapData(a.namespace, 'settings'))?.value, 'a-2');
      assert.deepEqual(await configMapData(a.namespace, 'bystander'), { value: 'stays' }, 'prune never acted on the record team a wrote');
      // A new Application whose record team a placed beforehand: it syncs, and its first prune reaches nothing of team b or Berth.
      const fresh = await commitFiles(repoA, { 'fresh/fresh.yaml': configMap(a.namespace, 'fresh', { value: 'fresh' }) }, 'team a: fresh');
      await createApplication(a, applicationBody('fresh', a.namespace, { repoURL: gitA.url('team-a'), path: 'fresh' }));
      await refresh(a, 'fresh');
      t.after(async () => { await a.client.request('DELETE', appPath(a, 'fresh')).catch(() => undefined); });
      await controller.explain(eventually('the fresh Application to deploy', readyAt(a, 'fresh', fresh), { timeoutMs: 60_000 }));
      await untouched(before);
      await teamBStillDeploys();
    });

    await t.test('5. team a\'s repository removes everything: nothing is pruned (allowEmpty is false)', async () => {
      const before = await snapshot();
      await commitA({ 'app/settings.yaml': null, 'app/deployment.yaml': null, 'app/empty.yaml': '# everything removed\n' }, 'team a: empty');
      await reports(a, 'web', ['renders no objects', 'allowEmpty'], 'the refused empty prune');
      assert.equal((await configMapData(a.namespace, 'settings'))?.value, 'a-2', 'team a\'s objects are kept');
      assert.ok(await getOrUndefined(rest, `/apis/apps/v1/namespaces/${a.namespace}/deployments/web`));
      await untouched(before);
      await teamBStillDeploys();
    });

    await t.test('6. team a\'s broken render and its huge values file do not stop team b\'s commit', async () => {
      const before = await snapshot();
      const chart = {
        'bulky/Chart.yaml': dump({ apiVersion: 'v2', name: 'bulky', version: '0.1.0' }),
        // 4 MiB of values, under every cap (helm's own is 5 MiB a file): helm must parse all of it to render one ConfigMap.
        'bulky/values.yaml': dump({ greeting: 'hello', filler: Array.from({ length: 4 * 1024 }, (_, index) => `${String(index)}-${'x'.repeat(1_000)}`) }),
        'bulky/templates/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bulky\ndata:\n  greeting: {{ .Values.greeting | quote }}\n`,
      };
      await commitA({ 'app/empty.yaml': null, 'app/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n', ...chart }, 'team a: broken and bulky');
      await createApplication(a, applicationBody('bulky', a.namespace, { repoURL: gitA.url('team-a'), path: 'bulky', helm: {} }));
      await refresh(a, 'bulky');
      t.after(async () => { await a.client.request('DELETE', appPath(a, 'bulky')).catch(() => undefined); });
      await teamBStillDeploys();
      await reports(a, 'web', ['bad.yaml'], 'team a\'s render error naming the file');
      assert.equal((await configMapData(a.namespace, 'settings'))?.value, 'a-2', 'a broken render prunes nothing');
      await controller.explain(eventually('the bulky chart to be rendered and applied', () => configMapData(a.namespace, 'bulky'), { timeoutMs: 60_000 }));
      const snap = await snapshot();
      assert.deepEqual({ ...snap, teamB: { ...snap.teamB, settings: undefined, status: undefined, record: undefined } },
        { ...before, teamB: { ...before.teamB, settings: undefined, status: undefined, record: undefined } }, 'nothing else of team b or Berth changed');
    });

    // Found by this test: the managed-object watch queued whatever Application an object's mark named.
    await t.test('7. objects team a marks as team b\'s do not make team b reconcile', async () => {
      const byWatch = (app: string): number =>
        controller.logLines().filter((line) => line.msg === 'reconcile started' && line.app === app && line.reason === 'watch').length;
      const before = byWatch(`${b.namespace}/web`);
      const beforeA = byWatch(`${a.namespace}/web`);
      const configMaps = `/api/v1/namespaces/${a.namespace}/configmaps`;
      await a.client.request('POST', configMaps, {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'decoy', annotations: { 'berth.dev/app': `${b.namespace}/web` } }, data: { n: '0' } },
      });
      for (let n = 1; n <= 10; n += 1) {
        await a.client.request('PATCH', `${configMaps}/decoy`, { body: { data: { n: String(n) } }, contentType: 'application/merge-patch+json' });
      }
      // A change to team a's own deployed ConfigMap, in the same watch after the decoy's: once team a reconciles for it, the watch has seen them all.
      await a.client.request('PATCH', `${configMaps}/settings`, { body: { data: { value: 'edited by hand' } }, contentType: 'application/merge-patch+json' });
      await controller.explain(eventually('team a\'s drift reconcile', () => Promise.resolve(byWatch(`${a.namespace}/web`) > beforeA || undefined), { timeoutMs: 30_000 }));
      assert.equal(byWatch(`${b.namespace}/web`) - before, 0, 'team a\'s writes queued reconciles of team b');
    });
  });
});
