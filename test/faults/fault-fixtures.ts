/**
 * What the fault tests share: a private control plane for tests that stop one
 * of its components (the shared one serves other test files at the same time),
 * a REST client and namespaces on it, a PreSync hook Pod that holds a sync in
 * the middle until the test completes it, and helpers over a controller's log.
 */
import fs from 'node:fs';
import type { TestContext } from 'node:test';
import { dump } from 'js-yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { uniqueName } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import type { ControllerProcess } from '../controller/controller-process.ts';

/** A control plane of this test alone, stopped (and its folder removed) when the test ends. */
export async function privateControlPlane(t: TestContext, options: { redisPersistence?: boolean } = {}): Promise<ControlPlane> {
  const plane = await startControlPlane({ nodes: 1, redisPersistence: options.redisPersistence ?? false });
  t.after(() => plane.stop());
  return plane;
}

/** A REST client on the cluster of `kubeconfig`, closed when the test ends. */
export async function restClientFor(t: TestContext, kubeconfig: string): Promise<RestClient> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const rest = await createRestClient(kc);
  t.after(() => { rest.close(); });
  return rest;
}

/** A fresh namespace in the cluster `rest` talks to (a private control plane is thrown away whole). */
export async function createNamespace(rest: RestClient, prefix: string): Promise<string> {
  const name = uniqueName(`berth-${prefix}`);
  await rest.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  return name;
}

/** A PreSync hook Pod: kwok runs it but never completes it (no Job owns it), so the sync waits until the test says. */
export function hookPodYaml(namespace: string, name = 'presync'): string {
  return dump({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, annotations: { 'berth.dev/hook': 'PreSync' } },
    spec: { restartPolicy: 'Never', containers: [{ name: 'hook', image: 'registry.example/hook:1' }] },
  });
}

export interface PodState {
  uid: string;
  phase: string | undefined;
  deleting: boolean;
}

export async function podState(rest: RestClient, namespace: string, name: string): Promise<PodState | undefined> {
  try {
    const { body } = await rest.request('GET', `/api/v1/namespaces/${namespace}/pods/${name}`);
    const pod = body as { metadata: { uid: string; deletionTimestamp?: string }; status?: { phase?: string } };
    return { uid: pod.metadata.uid, phase: pod.status?.phase, deleting: pod.metadata.deletionTimestamp !== undefined };
  } catch {
    return undefined;
  }
}

/** Marks a hook Pod Succeeded, which is what the sync waits for. */
export async function completeHook(rest: RestClient, namespace: string, name: string): Promise<void> {
  await rest.request('PATCH', `/api/v1/namespaces/${namespace}/pods/${name}/status`, {
    contentType: 'application/merge-patch+json', body: { status: { phase: 'Succeeded' } },
  });
}

/** Log lines of the controller written at or after `since` (epoch ms). */
export function logLinesSince(controller: ControllerProcess, since: number): Record<string, unknown>[] {
  return controller.logLines().filter((line) => Date.parse(String(line.time)) >= since);
}

/** The text of a log line's error field, however it was logged (a string, or pino's serialized error). */
export function errorText(line: Record<string, unknown>): string {
  const err = line.err;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object') {
    const message = (err as { message?: unknown }).message;
    return typeof message === 'string' ? message : JSON.stringify(err);
  }
  return '';
}

export const isAlive = (controller: ControllerProcess): boolean => controller.child.exitCode === null && controller.child.signalCode === null;

/** Waits for a log line matching `match`, written at or after `since`. */
export async function logged(controller: ControllerProcess, what: string, since: number, match: (line: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  return await controller.explain(eventually(what, () => Promise.resolve(logLinesSince(controller, since).find(match)), { timeoutMs, intervalMs: 200 }));
}

/** Removes a folder when the test ends. */
export function removeAfter(t: TestContext, folder: string): void {
  t.after(() => { fs.rmSync(folder, { recursive: true, force: true }); });
}
