/**
 * Installs the NotificationProvider and NotificationRule CRDs from
 * charts/berth/crds/ on the shared test cluster (server-side apply, so any
 * number of test files may call it), and waits until both are served. Never
 * deletes them: they are cluster-scoped and shared.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../../objects.ts';
import type { RestClient } from '../../src/kube/rest.ts';
import { parseYamlDocuments } from '../../src/render/kube-yaml.ts';
import { notificationPath, notificationProviderPlural, notificationRulePlural } from '../../src/notify/resources/schema.ts';
import { eventually } from '../harness/eventually.ts';

const files = ['notificationproviders.berth.dev.yaml', 'notificationrules.berth.dev.yaml'];

export async function installNotificationCrds(rest: RestClient): Promise<void> {
  for (const file of files) {
    const path = fileURLToPath(new URL(`../../charts/berth/crds/${file}`, import.meta.url));
    const crd = parseYamlDocuments(await readFile(path, 'utf8'), path)[0]?.value as KubeObject;
    await rest.request('PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name ?? ''}`, {
      query: { fieldManager: 'berth-tests', force: 'true' }, body: crd, contentType: 'application/apply-patch+yaml',
    });
  }
  for (const plural of [notificationProviderPlural, notificationRulePlural]) {
    await eventually(`${plural} to be served`, async () => (await rest.request('GET', notificationPath(plural)).catch(() => ({ status: 0 }))).status === 200 || undefined, { timeoutMs: 30_000 });
  }
}

/** A webhook NotificationProvider `name` posting to `url` (in its Secret), and a rule sending it every event of the namespace. */
export async function createWebhookProvider(rest: RestClient, namespace: string, name: string, url: string, hmacKey: string): Promise<void> {
  await rest.request('POST', `/api/v1/namespaces/${namespace}/secrets`, {
    body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-secret`, namespace }, stringData: { address: url, secret: hmacKey } },
  });
  await rest.request('POST', notificationPath(notificationProviderPlural, namespace), {
    body: { apiVersion: 'berth.dev/v1alpha1', kind: 'NotificationProvider', metadata: { name, namespace }, spec: { type: 'webhook', secretRef: { name: `${name}-secret` }, timeoutSeconds: 2 } },
  });
  await rest.request('POST', notificationPath(notificationRulePlural, namespace), {
    body: { apiVersion: 'berth.dev/v1alpha1', kind: 'NotificationRule', metadata: { name: `${name}-all`, namespace }, spec: { providerRefs: [{ name }] } },
  });
}
