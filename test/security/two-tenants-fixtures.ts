/**
 * What the two-tenant test (two-tenants.test.ts) builds on: a tenant (its
 * namespace, a ServiceAccount that is admin there and may create Applications
 * there, and nothing elsewhere), a Git server that records every Authorization
 * header it is sent, the release record of an Application wherever the
 * controller keeps it, and snapshots of what a hostile tenant must not change.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { dump } from 'js-yaml';
import { impersonatingClient } from '../../src/kube/impersonation.ts';
import { KubeApiError, type RestClient } from '../../src/kube/rest.ts';
import { uniqueName } from '../harness/env.ts';
import { startGitServer } from '../harness/git-repositories.ts';

export const tenantAccount = 'tenant-admin';
export const applicationsApi = '/apis/berth.dev/v1alpha1';

export interface Tenant {
  namespace: string;
  /** The tenant's own identity: admin of its namespace, Applications there, nothing else. */
  client: RestClient;
}

/** A fresh namespace (deleted when the test ends) and its tenant's identity. */
export async function createTenant(t: TestContext, rest: RestClient, prefix: string): Promise<Tenant> {
  const namespace = await createNamespace(t, rest, prefix);
  const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}`;
  await rest.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: tenantAccount } } });
  await rest.request('POST', `${rbac}/roles`, {
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'berth-applications' },
      rules: [{ apiGroups: ['berth.dev'], resources: ['applications'], verbs: ['*'] }],
    },
  });
  for (const [name, roleRef] of [['tenant-admin', { kind: 'ClusterRole', name: 'admin' }], ['berth-applications', { kind: 'Role', name: 'berth-applications' }]] as const) {
    await rest.request('POST', `${rbac}/rolebindings`, {
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef }, subjects: [{ kind: 'ServiceAccount', name: tenantAccount, namespace }],
      },
    });
  }
  return { namespace, client: impersonatingClient(rest, { namespace, name: tenantAccount }) };
}

export async function createNamespace(t: TestContext, rest: RestClient, prefix: string): Promise<string> {
  const name = uniqueName(`berth-${prefix}`);
  await rest.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'berth.dev/test': 'true' } } } });
  t.after(async () => { await rest.request('DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined); });
  return name;
}

/** A tenant's Git server: git http-backend behind a proxy that keeps every Authorization header. */
export interface RecordingGitServer {
  url(name: string): string;
  readonly origin: string;
  readonly authorizations: string[];
}

export async function startRecordingGitServer(t: TestContext, root: string): Promise<RecordingGitServer> {
  const backend = await startGitServer(root);
  const target = new URL(backend.url('x'));
  const authorizations: string[] = [];
  const proxy = http.createServer((request, response) => {
    if (request.headers.authorization) authorizations.push(request.headers.authorization);
    const forwarded = http.request({ host: target.hostname, port: target.port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forwarded.on('error', () => { response.destroy(); });
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => { proxy.close(() => { resolve(); }); });
    await backend.close();
  });
  const origin = `http://127.0.0.1:${String((proxy.address() as AddressInfo).port)}`;
  return { url: (name) => `${origin}/${name}.git`, origin, authorizations };
}

export const basicAuth = (username: string, password: string): string => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

export async function getOrUndefined(rest: RestClient, apiPath: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await rest.request('GET', apiPath)).body as Record<string, unknown>;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** The status of a tenant's request: 2xx, or the API server's refusal. */
export async function statusOf(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (error) {
    if (error instanceof KubeApiError) return error.status;
    throw error;
  }
}

interface ConfigMapBody { metadata: { name: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; data?: Record<string, string> }

/**
 * Where the controller keeps the release record of an Application: a ConfigMap
 * in the controller's namespace that names the Application's UID, or (before
 * issue 13 moved it) `berth-release-<name>` in the Application's namespace.
 */
export async function findReleaseRecord(
  rest: RestClient, controllerNamespace: string, app: { namespace: string; name: string; uid: string },
): Promise<{ namespace: string; name: string; text: string } | undefined> {
  const { body } = await rest.request('GET', `/api/v1/namespaces/${controllerNamespace}/configmaps`);
  for (const item of (body as { items: ConfigMapBody[] }).items) {
    const { name, labels = {}, annotations = {} } = item.metadata;
    const named = name.includes(app.uid) || Object.values(labels).includes(app.uid) || Object.values(annotations).includes(app.uid);
    if (named) return { namespace: controllerNamespace, name, text: JSON.stringify(item.data ?? {}) };
  }
  const legacy = await getOrUndefined(rest, `/api/v1/namespaces/${app.namespace}/configmaps/berth-release-${app.name}`) as ConfigMapBody | undefined;
  return legacy ? { namespace: app.namespace, name: legacy.metadata.name, text: JSON.stringify(legacy.data ?? {}) } : undefined;
}

interface InventoryHolder { inventory?: { entries: Record<string, string>[] } }

/**
 * A forgery of the record `text` (a release-record ConfigMap's data, as
 * findReleaseRecord returns it) with `extra` added to its inventory: the data
 * to write, in the format the controller wrote (`{ version, owner, release }`
 * now, a bare record before).
 */
export function forgeRecord(text: string, extra: readonly Record<string, string>[]): Record<string, string> {
  const data = JSON.parse(text) as Record<string, string>;
  const [key = 'release.json', value = '{}'] = Object.entries(data)[0] ?? [];
  const stored = JSON.parse(value) as InventoryHolder & { release?: InventoryHolder };
  const record = stored.release ?? stored;
  record.inventory = { entries: [...(record.inventory?.entries ?? []), ...extra] };
  return { [key]: JSON.stringify(stored) };
}

export function configMap(namespace: string, name: string, data: Record<string, string>): string {
  return dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
}

export function deployment(namespace: string, image: string): string {
  return dump({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace },
    spec: {
      replicas: 1, selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
    },
  });
}
