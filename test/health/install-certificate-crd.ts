/**
 * Installs a CRD from a file (the cert-manager Certificate CRD from
 * test/health/fixtures, never the network; Berth's own from charts/) on the shared test cluster: server-side apply, idempotent, then waits
 * until it is Established and served. Never deletes it: cluster-scoped, and
 * another test file may be using it.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../objects.ts';
import type { RestClient } from '../../src/kube/rest.ts';
import { eventually } from '../harness/eventually.ts';

const crdFile = fileURLToPath(new URL('./fixtures/cert-manager-certificates-crd.yaml', import.meta.url));

export async function installCertificateCrd(rest: RestClient): Promise<void> {
  await installCrd(rest, crdFile, '/apis/cert-manager.io/v1/certificates');
}

/** Applies the CRD in `file` (idempotent) and waits until it is Established and `listPath` answers. */
export async function installCrd(rest: RestClient, file: string, listPath: string): Promise<void> {
  const crd = load(await readFile(file, 'utf8')) as KubeObject;
  const name = crd.metadata.name ?? '';
  await rest.request('PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`, {
    query: { fieldManager: 'berth-tests', force: 'true' }, body: crd, contentType: 'application/apply-patch+yaml',
  });
  await eventually(`CRD ${name} to be Established`, async () => {
    const stored = (await rest.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)).body as { status?: { conditions?: { type: string; status: string }[] } };
    return stored.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined;
  }, { timeoutMs: 30_000 });
  await eventually(`${listPath} to be listable`, async () => (await rest.request('GET', listPath)).status === 200 || undefined,
    { timeoutMs: 30_000 });
}
