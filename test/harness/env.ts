/**
 * What an integration test needs from the shared control plane: a KubeConfig, the
 * Redis URL, and a namespace (or queue prefix) of its own so that tests never
 * interfere with each other.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run integration tests with \`npm run test:integration\`, ` +
      'or start a control plane with `npm run cluster` and export the variables it prints');
  }
  return value;
}

export function kubeconfigPath(): string {
  return required('BERTH_TEST_KUBECONFIG');
}

export function redisUrl(): string {
  return required('BERTH_TEST_REDIS_URL');
}

export function testKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

/** A DNS-1123 name unique to this run: `<prefix>-<8 hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Creates a fresh namespace for the test and deletes it when the test ends. */
export async function testNamespace(t: TestContext, prefix = 'test'): Promise<string> {
  const api = testKubeConfig().makeApiClient(CoreV1Api);
  const name = uniqueName(`berth-${prefix}`);
  await api.createNamespace({ body: { metadata: { name, labels: { 'berth.dev/test': 'true' } } } });
  t.after(async () => {
    await api.deleteNamespace({ name }).catch(() => undefined);
  });
  return name;
}
