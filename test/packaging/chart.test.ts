/**
 * The Helm chart that installs Berth: `helm lint`, `helm template` with the
 * default values and with a non-default set (namespaced mode, three replicas,
 * ServiceMonitor, existing Secrets), assertions on the rendered objects, and a
 * server-side dry run of every rendered object on the real API server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../objects.ts';
import { createRestClient } from '../../src/kube/rest.ts';
import { testKubeConfig, testNamespace, uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { dryRunApply, lintChart, objectsOfKind, onlyObject, renderChart } from './chart-render.ts';

interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }
interface Probe { httpGet?: { path: string; port: string | number } }
interface Container {
  name: string;
  args?: string[];
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  securityContext?: Record<string, unknown>;
  affinity?: { podAntiAffinity?: unknown };
  volumes?: { name: string; emptyDir?: unknown }[];
  serviceAccountName?: string;
}
interface Rule { apiGroups: string[]; resources: string[]; verbs: string[] }

const podSpec = (deployment: KubeObject): PodSpec => (deployment.spec as { template: { spec: PodSpec } }).template.spec;
const container = (deployment: KubeObject): Container => {
  const found = podSpec(deployment).containers.find((c) => c.name === 'berth');
  assert.ok(found, 'the Deployment has a container named berth');
  return found;
};
const envOf = (deployment: KubeObject): Map<string, EnvVar> => new Map((container(deployment).env ?? []).map((e) => [e.name, e]));
const rulesOf = (role: KubeObject): Rule[] => (role.rules as Rule[] | undefined) ?? [];
const grants = (rules: readonly Rule[], group: string, resource: string, verb: string): boolean =>
  rules.some((r) => (r.apiGroups.includes(group) || r.apiGroups.includes('*'))
    && (r.resources.includes(resource) || r.resources.includes('*'))
    && (r.verbs.includes(verb) || r.verbs.includes('*')));

function nonDefaultValues(namespaces: string[]): Record<string, unknown> {
  return {
    mode: 'namespaced',
    namespaces,
    replicas: 3,
    serviceMonitor: { enabled: true, labels: { release: 'prometheus' } },
    redis: { existingSecret: { name: 'berth-redis', key: 'url' } },
    webhook: { existingSecret: { name: 'berth-webhook', key: 'secret' } },
    api: {
      publicRead: true,
      adminTokens: { existingSecret: { name: 'berth-api', key: 'admin' } },
      readTokens: { existingSecret: { name: 'berth-api', key: 'read' } },
    },
    controller: { concurrency: 4, logLevel: 'debug' },
    impersonation: { enabled: true, defaultServiceAccount: 'deployer' },
    policy: { allowedRepos: ['https://git.example.com/*'], allowedDestinations: namespaces, allowClusterScoped: 'false' },
  };
}

describe('the Berth chart', () => {
  it('passes helm lint --strict with the default and with non-default values', async () => {
    const defaults = await lintChart();
    assert.equal(defaults.code, 0, defaults.stdout + defaults.stderr);
    const custom = await lintChart(nonDefaultValues(['team-a', 'team-b']));
    assert.equal(custom.code, 0, custom.stdout + custom.stderr);
  });

  it('renders a cluster-wide install by default: one replica, probes, a locked-down pod, a cache emptyDir', async () => {
    const objects = await renderChart({ release: 'berth', namespace: 'berth' });
    const deployment = onlyObject(objects, 'Deployment');
    assert.equal((deployment.spec as { replicas: number }).replicas, 1);
    assert.equal(podSpec(deployment).affinity, undefined, 'no anti-affinity for a single replica');

    const berth = container(deployment);
    assert.deepEqual(berth.args, ['controller']);
    const port = berth.ports?.find((p) => p.name === 'http');
    assert.equal(port?.containerPort, 8080);
    assert.deepEqual(berth.livenessProbe?.httpGet, { path: '/healthz', port: 'http' });
    assert.deepEqual(berth.readinessProbe?.httpGet, { path: '/readyz', port: 'http' });
    assert.equal(berth.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(berth.securityContext.runAsNonRoot, true);
    assert.equal(berth.securityContext.allowPrivilegeEscalation, false);
    assert.equal(podSpec(deployment).securityContext?.runAsNonRoot, true);

    const env = envOf(deployment);
    assert.equal(env.get('BERTH_LISTEN')?.value, '0.0.0.0:8080');
    assert.equal(env.get('BERTH_WATCH_CLUSTER')?.value, 'true');
    assert.equal(env.has('BERTH_NAMESPACES'), false, 'every namespace by default');
    const cacheDir = env.get('BERTH_CACHE_DIR')?.value;
    const cacheMount = berth.volumeMounts?.find((m) => m.mountPath === cacheDir);
    assert.ok(cacheMount, `a volume is mounted at BERTH_CACHE_DIR (${String(cacheDir)})`);
    assert.ok(podSpec(deployment).volumes?.find((v) => v.name === cacheMount.name)?.emptyDir, 'the cache is an emptyDir');
    for (const name of ['BERTH_WEBHOOK_SECRET', 'BERTH_API_ADMIN_TOKENS', 'BERTH_API_READ_TOKENS']) {
      assert.equal(env.has(name), false, `${name} is unset without a Secret`);
    }

    // Release records: ConfigMap writes only in the release's namespace, which tenants cannot write (issue 13).
    assert.deepEqual(objectsOfKind(objects, 'Role').map((r) => `${r.metadata.namespace}/${r.metadata.name}`), ['berth/berth-release-records']);
    assert.deepEqual(objectsOfKind(objects, 'RoleBinding').map((r) => `${r.metadata.namespace}/${r.metadata.name}`), ['berth/berth-release-records']);
    assert.ok(grants(rulesOf(onlyObject(objects, 'Role')), '', 'configmaps', 'patch'));
    const coreRules = rulesOf(objectsOfKind(objects, 'ClusterRole').find((r) => r.metadata.name === 'berth-core') ?? assert.fail('a berth-core ClusterRole'));
    assert.ok(grants(coreRules, '', 'configmaps', 'get'), 'old release records are read once to move them');
    for (const verb of ['create', 'update', 'patch', 'delete']) assert.equal(grants(coreRules, '', 'configmaps', verb), false, `no cluster-wide configmaps ${verb} of Berth's own`);
    const clusterRoles = objectsOfKind(objects, 'ClusterRole');
    assert.ok(clusterRoles.length > 0);
    assert.equal(objectsOfKind(objects, 'ClusterRoleBinding').length, clusterRoles.length);
    const rules = clusterRoles.flatMap(rulesOf);
    assert.ok(grants(rules, 'berth.dev', 'applications', 'watch'));
    assert.ok(grants(rules, 'berth.dev', 'applications/status', 'patch'));
    assert.ok(grants(rules, 'berth.dev', 'berthpolicies', 'list'));
    assert.ok(grants(rules, 'berth.dev', 'healthrules', 'watch'), 'HealthRules are watched cluster-wide');
    assert.ok(grants(rules, '', 'events', 'create'));
    assert.ok(grants(rules, '', 'configmaps', 'patch'));
    assert.ok(grants(rules, '', 'secrets', 'get'));
    assert.ok(grants(rules, 'apps', 'deployments', 'patch'), 'cluster mode applies any kind');
    assert.equal(rules.some((r) => r.verbs.includes('impersonate')), false, 'no impersonation unless enabled');

    const sa = onlyObject(objects, 'ServiceAccount');
    assert.equal(podSpec(deployment).serviceAccountName, sa.metadata.name);
    assert.equal(onlyObject(objects, 'Service').metadata.name, deployment.metadata.name);
    assert.equal(objectsOfKind(objects, 'ServiceMonitor').length, 0);
  });

  it('renders namespaced mode with three spread replicas, a ServiceMonitor and Secrets from existing Secrets', async () => {
    const objects = await renderChart({ release: 'berth', namespace: 'berth', values: nonDefaultValues(['team-a', 'team-b']) });
    const deployment = onlyObject(objects, 'Deployment');
    assert.equal((deployment.spec as { replicas: number }).replicas, 3);
    assert.ok(podSpec(deployment).affinity?.podAntiAffinity, 'replicas are spread over nodes');

    // Cluster-wide, only reading BerthPolicies and impersonating the groups of the watched namespaces' ServiceAccounts, by name.
    const allClusterRules = objectsOfKind(objects, 'ClusterRole').flatMap(rulesOf) as (Rule & { resourceNames?: string[] })[];
    assert.ok(grants(allClusterRules, 'berth.dev', 'berthpolicies', 'list'), 'BerthPolicies are read cluster-wide');
    const clusterRules = allClusterRules.filter((r) => !r.resources.includes('berthpolicies'));
    assert.deepEqual(allClusterRules.filter((r) => r.resources.includes('berthpolicies')).flatMap((r) => r.verbs), ['get', 'list', 'watch']);
    assert.deepEqual(clusterRules.flatMap((r) => r.verbs), ['impersonate'], 'no cluster-wide write rights');
    assert.deepEqual(clusterRules.flatMap((r) => r.resources), ['groups']);
    assert.ok(clusterRules[0]?.resourceNames?.includes('system:serviceaccounts:team-a'));
    assert.equal(objectsOfKind(objects, 'ClusterRoleBinding').length, objectsOfKind(objects, 'ClusterRole').length);
    const roles = objectsOfKind(objects, 'Role');
    const bindings = objectsOfKind(objects, 'RoleBinding');
    assert.deepEqual(roles.map((r) => r.metadata.namespace).sort(), ['berth', 'team-a', 'team-b']);
    assert.deepEqual(bindings.map((b) => b.metadata.namespace).sort(), ['berth', 'team-a', 'team-b']);
    const records = roles.find((r) => r.metadata.namespace === 'berth') ?? assert.fail('a Role in the release namespace');
    assert.ok(grants(rulesOf(records), '', 'configmaps', 'create'), 'release records in the release namespace');
    for (const role of roles.filter((r) => r !== records)) {
      assert.ok(grants(rulesOf(role), 'berth.dev', 'applications/status', 'patch'), `${role.metadata.namespace}: Application status`);
      assert.ok(grants(rulesOf(role), '', 'serviceaccounts', 'impersonate'), `${role.metadata.namespace}: impersonation`);
    }

    const env = envOf(deployment);
    assert.equal(env.get('BERTH_NAMESPACES')?.value, 'team-a,team-b');
    assert.equal(env.get('BERTH_CONCURRENCY')?.value, '4');
    assert.equal(env.get('BERTH_LOG_LEVEL')?.value, 'debug');
    assert.equal(env.get('BERTH_API_PUBLIC_READ')?.value, 'true');
    assert.equal(env.get('BERTH_DEFAULT_SERVICE_ACCOUNT')?.value, 'deployer');
    assert.equal(env.get('BERTH_ALLOWED_REPOS')?.value, 'https://git.example.com/*');
    assert.equal(env.get('BERTH_ALLOWED_DESTINATIONS')?.value, 'team-a,team-b');
    assert.equal(env.get('BERTH_ALLOW_CLUSTER_SCOPED')?.value, 'false');
    const fromSecret = (name: string) => env.get(name)?.valueFrom?.secretKeyRef;
    assert.deepEqual(fromSecret('BERTH_REDIS_URL'), { name: 'berth-redis', key: 'url' });
    assert.deepEqual(fromSecret('BERTH_WEBHOOK_SECRET'), { name: 'berth-webhook', key: 'secret' });
    assert.deepEqual(fromSecret('BERTH_API_ADMIN_TOKENS'), { name: 'berth-api', key: 'admin' });
    assert.deepEqual(fromSecret('BERTH_API_READ_TOKENS'), { name: 'berth-api', key: 'read' });
    for (const variable of env.values()) {
      if (/SECRET|TOKEN|REDIS_URL/.test(variable.name)) assert.equal(variable.value, undefined, `${variable.name} is never inline`);
    }

    const monitor = onlyObject(objects, 'ServiceMonitor');
    assert.equal((monitor.metadata.labels ?? {}).release, 'prometheus');
    const endpoints = (monitor.spec as { endpoints: { port: string; path: string }[] }).endpoints;
    assert.deepEqual(endpoints.map((e) => [e.port, e.path]), [['http', '/metrics']]);
  });

  it('refuses values that contradict each other or the schema', async () => {
    await assert.rejects(renderChart({ values: { mode: 'namespaced' } }), /namespaces/);
    await assert.rejects(renderChart({ values: { replicas: 'three' } }), /replicas/);
    await assert.rejects(renderChart({ values: { mode: 'everywhere' } }), /mode/);
    await assert.rejects(renderChart({ values: { impersonation: { enabled: false, defaultServiceAccount: 'deployer' } } }), /impersonation/);
    await assert.rejects(renderChart({ values: { redis: { url: 'redis://r:6379', existingSecret: { name: 's', key: 'k' } } } }), /redis/);
  });

  it('renders objects the API server accepts (server-side dry run), in both modes', { timeout: 90_000 }, async (t) => {
    const rest = await createRestClient(testKubeConfig());
    t.after(() => { rest.close(); });
    const home = await testNamespace(t, 'chart');
    const watched = [await testNamespace(t, 'chart-a'), await testNamespace(t, 'chart-b')];

    // The Prometheus Operator is not installed: a minimal ServiceMonitor CRD stands in for it.
    await installServiceMonitorCrd(rest);

    const defaults = await renderChart({ release: uniqueName('berth'), namespace: home, includeCrds: true });
    assert.deepEqual(await dryRunApply(rest, defaults), []);
    const custom = await renderChart({ release: uniqueName('berth'), namespace: home, values: nonDefaultValues(watched) });
    assert.ok(objectsOfKind(custom, 'ServiceMonitor').length === 1);
    assert.deepEqual(await dryRunApply(rest, custom), []);

    // The dry run is no rubber stamp: a broken Deployment is refused.
    const broken = structuredClone(onlyObject(defaults, 'Deployment'));
    podSpec(broken).containers[0] = { ...container(broken), name: 'Not_A_Name' };
    assert.equal((await dryRunApply(rest, [broken])).length, 1);
  });
});

/** A ServiceMonitor CRD that accepts any spec: enough for a dry run of the chart's one. Left installed (cluster-scoped, idempotent). */
async function installServiceMonitorCrd(rest: Awaited<ReturnType<typeof createRestClient>>): Promise<void> {
  const name = 'servicemonitors.monitoring.coreos.com';
  await rest.request('PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`, {
    query: { fieldManager: 'berth-tests', force: 'true' },
    contentType: 'application/apply-patch+yaml',
    body: {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name },
      spec: {
        group: 'monitoring.coreos.com', scope: 'Namespaced',
        names: { kind: 'ServiceMonitor', listKind: 'ServiceMonitorList', plural: 'servicemonitors', singular: 'servicemonitor' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
        }],
      },
    },
  });
  await eventually('the ServiceMonitor CRD to be served', async () => {
    try {
      return (await rest.request('GET', '/apis/monitoring.coreos.com/v1/servicemonitors')).status === 200 || undefined;
    } catch {
      return undefined;
    }
  }, { timeoutMs: 30_000 });
}
