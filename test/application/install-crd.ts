/**
 * Installs the Application CRD from charts/berth/crds/ on the shared test
 * cluster: server-side apply (idempotent, so any number of test files may call
 * it), then waits until it is Established and served. Never deletes it: the
 * CRD is cluster-scoped and other test files share it.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../../objects.ts';
import { applicationsPath } from '../../src/application/status-writer.ts';
import { parseYamlDocuments } from '../../src/render/kube-yaml.ts';
import type { RestClient } from '../../src/kube/rest.ts';
import { eventually } from '../harness/eventually.ts';

export const crdFile = fileURLToPath(new URL('../../charts/berth/crds/applications.berth.dev.yaml', import.meta.url));

export async function readApplicationCrd(): Promise<KubeObject> {
  const documents = parseYamlDocuments(await readFile(crdFile, 'utf8'), crdFile);
  const crd = documents[0]?.value as KubeObject | undefined;
  if (documents.length !== 1 || crd?.kind !== 'CustomResourceDefinition') throw new Error(`${crdFile}: expected one CustomResourceDefinition`);
  return crd;
}

/** Applies the CRD and returns it once Established and listable. */
export async function installApplicationCrd(rest: RestClient): Promise<KubeObject> {
  const crd = await readApplicationCrd();
  const name = crd.metadata.name ?? '';
  await rest.request('PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`, {
    query: { fieldManager: 'berth-tests', force: 'true' },
    body: crd,
    contentType: 'application/apply-patch+yaml',
  });
  const established = await eventually(`CRD ${name} to be Established`, async () => {
    const { body } = await rest.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    const stored = body as KubeObject & { status?: { conditions?: { type: string; status: string }[] } };
    return stored.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? stored : undefined;
  }, { timeoutMs: 30_000 });
  // Established comes a moment before the resource is served by every handler.
  await eventually('Applications to be listable', async () => (await rest.request('GET', applicationsPath())).status === 200 || undefined,
    { timeoutMs: 30_000 });
  return established;
}
