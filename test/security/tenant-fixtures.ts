/**
 * What the tenant-isolation tests share: the BerthPolicy CRD installed from the
 * chart (server-side apply, idempotent, never deleted: other test files share
 * it), BerthPolicies that are removed when the test ends, a tenant identity (a
 * ServiceAccount bound to the built-in `admin` ClusterRole in its namespace, as
 * a namespace-admin tenant has), and an Applications file with any spec.
 */
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dump } from 'js-yaml';
import type { KubeObject } from '../../objects.ts';
import { impersonatingClient } from '../../src/kube/impersonation.ts';
import type { RestClient } from '../../src/kube/rest.ts';
import { berthPoliciesPath } from '../../src/policy/berth-policy-schema.ts';
import { parseYamlDocuments } from '../../src/render/kube-yaml.ts';
import { uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';

const crdFile = fileURLToPath(new URL('../../charts/berth/crds/berthpolicies.berth.dev.yaml', import.meta.url));

export async function installBerthPolicyCrd(rest: RestClient): Promise<void> {
  const crd = parseYamlDocuments(await readFile(crdFile, 'utf8'), crdFile)[0]?.value as KubeObject;
  await rest.request('PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name ?? ''}`, {
    query: { fieldManager: 'berth-tests', force: 'true' }, body: crd, contentType: 'application/apply-patch+yaml',
  });
  await eventually('BerthPolicies to be listable', async () => (await rest.request('GET', berthPoliciesPath)).status === 200 || undefined, { timeoutMs: 30_000 });
}

export function berthPolicy(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'berth.dev/v1alpha1', kind: 'BerthPolicy', metadata: { name }, spec };
}

/** Creates a BerthPolicy (a cluster admin's act) and deletes it when the test ends; returns its name. */
export async function createBerthPolicy(t: TestContext, rest: RestClient, spec: Record<string, unknown>): Promise<string> {
  const name = uniqueName('berth-test-policy');
  await rest.request('POST', berthPoliciesPath, { body: berthPolicy(name, spec) });
  t.after(async () => { await deleteBerthPolicy(rest, name); });
  return name;
}

export async function deleteBerthPolicy(rest: RestClient, name: string): Promise<void> {
  await rest.request('DELETE', `${berthPoliciesPath}/${name}`).catch(() => undefined);
}

/** A client acting as a tenant who is admin of `namespace` (and nothing else). */
export async function namespaceAdmin(rest: RestClient, namespace: string): Promise<RestClient> {
  const name = 'tenant-admin';
  await rest.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } } });
  await rest.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  return impersonatingClient(rest, { namespace, name });
}

/** An Application as a file entry: automated with prune, polling every 2 s, no rollback; `source` and `spec` add to it. */
export function application(name: string, namespace: string, source: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
    spec: {
      source: { targetRevision: 'main', ...source },
      destination: { namespace },
      syncPolicy: { automated: { prune: true }, pollInterval: '2s', rollback: { enabled: false } },
      ...spec,
    },
  };
}

export function writeApplications(dir: string, applications: readonly KubeObject[]): string {
  const file = path.join(dir, 'apps.yaml');
  fs.writeFileSync(file, dump({ apiVersion: 'v1', kind: 'List', items: applications }));
  return file;
}

/** Whether any controller log line mentions `text`. */
export function logged(lines: readonly Record<string, unknown>[], text: string): boolean {
  return lines.some((line) => JSON.stringify(line).includes(text));
}
