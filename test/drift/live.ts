/**
 * Support for the drift tests on the real control plane: Berth's own cluster client,
 * the corpus of manifests (test/drift/corpus) placed into a test namespace, a real apply
 * of it (CRDs first, waiting until they are Established), and changes made by another
 * field manager through the REST API, the way `kubectl edit` or a colleague's script would.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { formatRef, refOf, type KubeObject } from '../../objects.ts';
import { createClusterClient, type KubeClusterClient } from '../../src/kube/cluster-client.ts';
import { createDiscovery, objectPath, type Discovery } from '../../src/kube/discovery.ts';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { testKubeConfig } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';

export interface Live {
  rest: RestClient;
  discovery: Discovery;
  cluster: KubeClusterClient;
}

export async function connect(): Promise<Live> {
  const rest = await createRestClient(testKubeConfig());
  const discovery = createDiscovery(rest);
  return { rest, discovery, cluster: createClusterClient(rest, discovery) };
}

const corpusDir = join(import.meta.dirname, 'corpus');
const clusterScopedKinds = new Set(['CustomResourceDefinition', 'Namespace', 'ClusterRole', 'ClusterRoleBinding']);

/** Every manifest of test/drift/corpus, in file order, namespaced ones placed in `namespace`. */
export function loadCorpus(namespace: string): KubeObject[] {
  const files = readdirSync(corpusDir).filter((file) => file.endsWith('.yaml')).sort();
  return files.flatMap((file) => loadAll(readFileSync(join(corpusDir, file), 'utf8')))
    .filter((document): document is KubeObject => typeof document === 'object' && document !== null)
    .map((object) => inNamespace(object, namespace));
}

export function inNamespace(object: KubeObject, namespace: string): KubeObject {
  return clusterScopedKinds.has(object.kind) ? object : { ...object, metadata: { ...object.metadata, namespace } };
}

const isEstablished = (crd: KubeObject): boolean => {
  const conditions = (crd.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((condition) => condition.type === 'Established' && condition.status === 'True');
};

/** A real server-side apply of every object (force, as a sync does): CRDs first, Established before the rest. */
export async function applyAll(live: Live, objects: readonly KubeObject[]): Promise<void> {
  const crds = objects.filter((object) => object.kind === 'CustomResourceDefinition');
  for (const crd of crds) await live.cluster.apply(crd, { dryRun: false, forceConflicts: true });
  for (const crd of crds) {
    await eventually(`${formatRef(refOf(crd))} Established`, async () => {
      const current = await live.cluster.get(refOf(crd));
      return current && isEstablished(current) ? true : undefined;
    }, { timeoutMs: 30_000 });
  }
  for (const object of objects) {
    if (object.kind !== 'CustomResourceDefinition') await live.cluster.apply(object, { dryRun: false, forceConflicts: true });
  }
}

export async function read(live: Live, object: KubeObject): Promise<KubeObject> {
  const found = await live.cluster.get(refOf(object));
  if (!found) throw new Error(`${formatRef(refOf(object))}: not found`);
  return found;
}

/** A strategic merge patch as `manager` (what `kubectl edit` and `kubectl scale` send). */
export async function patchAs(live: Live, manager: string, object: KubeObject, patch: unknown, subresource?: 'scale'): Promise<void> {
  const info = await live.discovery.resolve(object.apiVersion, object.kind);
  const path = objectPath(info, object.metadata.namespace ?? '', object.metadata.name ?? '') + (subresource ? `/${subresource}` : '');
  const contentType = info.group === 'drift.berth.dev' ? 'application/merge-patch+json' : 'application/strategic-merge-patch+json';
  await live.rest.request('PATCH', path, { query: { fieldManager: manager }, body: patch, contentType });
}

export function byName(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is not in the corpus`);
  return found;
}
