/**
 * Support for the live health tests: Berth's own cluster client on the test
 * control plane, object builders, and `expectLiveHealth`, which waits until a live
 * object reaches a state (judged by the object's own status, never by Berth's
 * rule) and then asserts what `assessHealth` says about it, read back raw through
 * `ClusterClient.get`.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { formatRef, refOf, type KubeObject } from '../../objects.ts';
import { assessHealth, type Health, type HealthStatus } from '../../health/index.ts';
import { valueAt } from '../../health/fields.ts';
import { createClusterClient, type KubeClusterClient } from '../../src/kube/cluster-client.ts';
import { createDiscovery } from '../../src/kube/discovery.ts';
import { createRestClient, type RestClient } from '../../src/kube/rest.ts';
import { neverReadyAnnotation } from '../harness/kwok.ts';
import { testKubeConfig } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { captureFixture } from './capture.ts';

export interface Live {
  rest: RestClient;
  cluster: KubeClusterClient;
  /** The API server's gitVersion, written into captured fixtures. */
  version: string;
}

/** One REST client per test file, closed when the file's tests end. */
export async function connect(): Promise<Live> {
  const rest = await createRestClient(testKubeConfig());
  const cluster = createClusterClient(rest, createDiscovery(rest));
  const { body } = await rest.request('GET', '/version');
  const gitVersion = valueAt(body, 'gitVersion');
  const version = typeof gitVersion === 'string' ? gitVersion : 'unknown';
  return { rest, cluster, version };
}

export async function apply(live: Live, object: KubeObject): Promise<KubeObject> {
  return live.cluster.apply(object, { dryRun: false, forceConflicts: true });
}

export async function read(live: Live, object: KubeObject): Promise<KubeObject> {
  const found = await live.cluster.get(refOf(object));
  if (!found) throw new Error(`${formatRef(refOf(object))}: not found`);
  return found;
}

/** Deletes a cluster-scoped object when the test ends (namespaces take the rest with them). */
export function deleteAfter(t: TestContext, live: Live, object: KubeObject): void {
  t.after(() => live.cluster.delete(refOf(object), { propagation: 'Background' }).catch(() => undefined));
}

export interface Expectation {
  /** The state, by the object's own status; polled until true. */
  until: (object: KubeObject) => boolean;
  /** Plain words for the wait, in a timeout message. */
  what: string;
  status: HealthStatus;
  /** A substring the health message must contain. */
  message: string;
  /** Capture the live object as `<kind>-<capture>-captured.yaml` (when capturing). */
  capture?: string;
  timeoutMs?: number;
}

/** Waits for the state, then asserts Berth's verdict on the object as read back; returns the object. */
export async function expectLiveHealth(live: Live, object: KubeObject, expected: Expectation): Promise<KubeObject> {
  const ref = refOf(object);
  const reached = await eventually(`${formatRef(ref)}: ${expected.what}`, async () => {
    const current = await live.cluster.get(ref);
    return current && expected.until(current) ? current : undefined;
  }, { timeoutMs: expected.timeoutMs ?? 60_000 });
  assertHealth(reached, expected.status, expected.message);
  if (expected.capture) captureFixture(reached, expected.capture, live.version);
  return reached;
}

export function assertHealth(object: KubeObject, status: HealthStatus, message: string): Health {
  const health = assessHealth(object);
  const name = formatRef(refOf(object));
  assert.ok(health, `${name}: expected ${status}, got no opinion; status: ${JSON.stringify(object.status)}`);
  assert.equal(health.status, status, `${name}: "${health.message}"; status: ${JSON.stringify(object.status)}`);
  assert.ok(health.message.includes(message), `${name}: message "${health.message}" does not contain "${message}"`);
  return health;
}

// Reading the live status in the wait conditions.

export function num(object: KubeObject, ...keys: string[]): number | undefined {
  const value = valueAt(object, ...keys);
  return typeof value === 'number' ? value : undefined;
}

export function conditionOf(object: KubeObject, type: string): { status?: string; reason?: string; message?: string } | undefined {
  const conditions = valueAt(object, 'status', 'conditions');
  if (!Array.isArray(conditions)) return undefined;
  return (conditions as { type?: string; status?: string; reason?: string; message?: string }[]).find((c) => c.type === type);
}

/** The controller has seen the latest spec. */
export function observed(object: KubeObject): boolean {
  return num(object, 'status', 'observedGeneration') === object.metadata.generation;
}

// Builders.

export const image = 'registry.example/health/web:1';

export function podTemplate(app: string, options: { neverReady?: boolean; version?: string; cpu?: string } = {}): Record<string, unknown> {
  const annotations: Record<string, string> = options.version ? { 'berth.dev/test-version': options.version } : {};
  if (options.neverReady) annotations[neverReadyAnnotation] = 'true';
  const resources = options.cpu ? { requests: { cpu: options.cpu } } : undefined;
  return {
    metadata: { labels: { app }, annotations },
    spec: { containers: [{ name: 'web', image, resources }] },
  };
}

export function deployment(namespace: string, name: string, spec: Record<string, unknown>, template = podTemplate(name)): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: { replicas: 2, selector: { matchLabels: { app: name } }, template, ...spec },
  };
}

/** Replicas updated, available and no old ones left: `kubectl rollout status` would return. */
export function deploymentAvailable(d: KubeObject): boolean {
  const desired = num(d, 'spec', 'replicas');
  const count = (field: string): number => num(d, 'status', field) ?? 0;
  return observed(d) && count('updatedReplicas') === desired && count('availableReplicas') === desired
    && count('replicas') === desired && conditionOf(d, 'Available')?.status === 'True';
}
