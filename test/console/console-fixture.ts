/**
 * What the console's browser tests share: a served Git repository with two
 * Applications (`web`, manual sync, a ConfigMap; `api`, automated with
 * rollback, a Deployment), a real controller process with an admin and a read
 * token serving the built console, and small REST helpers for the changes a
 * person would make with kubectl.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { dump } from 'js-yaml';
import type { RestClient } from '../../src/kube/rest.ts';
import { ensureConsoleBuilt } from '../../console/build.ts';
import { startControllerProcess, type ControllerProcess } from '../controller/controller-process.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { integrationSetUp, type IntegrationSetup } from '../harness/integration.ts';
import { neverReadyAnnotation } from '../harness/kwok.ts';
import { createWebhookProvider, installNotificationCrds } from '../notify/install-crds.ts';
import { startReceiver, type Receiver } from '../notify/receiver.ts';

export interface ConsoleFixture extends IntegrationSetup {
  controller: ControllerProcess;
  baseUrl: string;
  adminToken: string;
  readToken: string;
  firstCommit: string;
  /** A loopback webhook receiver every event of the namespace is sent to (a NotificationProvider and a rule). */
  receiver: Receiver;
}

export function configMap(namespace: string, greeting: string): string {
  return dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-settings', namespace }, data: { greeting } });
}

/** Secret values the browser must never receive, raw or base64 (the API masks them). */
export const secretValues = { first: 'first-secret-value-4f9a', edited: 'changed-by-hand-secret-7c1e' } as const;

export function secret(namespace: string, value: string): string {
  return dump({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-secret', namespace }, type: 'Opaque', data: { password: Buffer.from(value).toString('base64') } });
}

export function deployment(namespace: string, image: string, neverReady = false): string {
  return dump({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace },
    spec: {
      replicas: 2, progressDeadlineSeconds: 5, selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' }, ...(neverReady ? { annotations: { [neverReadyAnnotation]: 'true' } } : {}) },
        spec: { containers: [{ name: 'api', image }] },
      },
    },
  });
}

function applications(namespace: string, repoURL: string): string {
  const web = {
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace },
    spec: { source: { repoURL, targetRevision: 'main', path: 'apps/web' }, destination: { namespace } },
  };
  const api = {
    apiVersion: 'berth.dev/v1alpha1', kind: 'Application', metadata: { name: 'api', namespace },
    spec: {
      source: { repoURL, targetRevision: 'main', path: 'apps/api' }, destination: { namespace },
      syncPolicy: { automated: { prune: true }, pollInterval: '2s', rollback: { enabled: true, healthTimeout: '30s' } },
    },
  };
  return [dump(web), dump(api)].join('---\n');
}

export async function startConsoleFixture(t: TestContext, name: string): Promise<ConsoleFixture> {
  await ensureConsoleBuilt((line) => { t.diagnostic(line); });
  const setup = await integrationSetUp(t, name);
  const firstCommit = await commitFiles(setup.repository, {
    'apps/web/config.yaml': configMap(setup.namespace, 'hello'),
    'apps/web/secret.yaml': secret(setup.namespace, secretValues.first),
    'apps/api/deployment.yaml': deployment(setup.namespace, 'registry.example/api:1'),
  }, 'First release of web and api');
  const appsFile = path.join(setup.root, 'apps.yaml');
  fs.writeFileSync(appsFile, applications(setup.namespace, setup.repoURL));
  const adminToken = randomBytes(24).toString('hex');
  const readToken = randomBytes(24).toString('hex');
  await installNotificationCrds(setup.rest);
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  await createWebhookProvider(setup.rest, setup.namespace, 'hook', receiver.url, randomBytes(16).toString('hex'));
  const controller = startControllerProcess({ appsFile, env: {
    BERTH_API_ADMIN_TOKENS: adminToken, BERTH_API_READ_TOKENS: readToken,
    // The receiver listens on plain HTTP on loopback.
    BERTH_NOTIFICATION_ALLOW_PRIVATE: 'true', BERTH_NOTIFICATION_ALLOW_HTTP: 'true',
  } });
  t.after(async () => { await controller.stop(); });
  const baseUrl = await controller.baseUrl();
  return { ...setup, controller, baseUrl, adminToken, readToken, firstCommit, receiver };
}

/** A call of the status API with the admin bearer token (what the CLI does). */
export async function callApi(fixture: ConsoleFixture, method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${fixture.baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${fixture.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // Not JSON: kept as text for the assertion message.
  }
  return { status: response.status, body: parsed };
}

export async function readConfigMap(rest: RestClient, namespace: string): Promise<Record<string, string> | undefined> {
  const answer = await rest.request('GET', `/api/v1/namespaces/${namespace}/configmaps/web-settings`).catch(() => undefined);
  return (answer?.body as { data?: Record<string, string> } | undefined)?.data;
}

/** What `kubectl edit` does to the Secret. */
export async function editSecret(rest: RestClient, namespace: string, value: string): Promise<void> {
  await rest.request('PATCH', `/api/v1/namespaces/${namespace}/secrets/web-secret`, {
    query: { fieldManager: 'kubectl-edit' }, contentType: 'application/merge-patch+json', body: { data: { password: Buffer.from(value).toString('base64') } },
  });
}

/** What `kubectl edit` does to the ConfigMap: a patch by another field manager. */
export async function editConfigMap(rest: RestClient, namespace: string, greeting: string): Promise<void> {
  await rest.request('PATCH', `/api/v1/namespaces/${namespace}/configmaps/web-settings`, {
    query: { fieldManager: 'kubectl-edit' }, contentType: 'application/merge-patch+json', body: { data: { greeting } },
  });
}
