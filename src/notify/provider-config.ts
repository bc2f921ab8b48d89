/**
 * A NotificationProvider with its Secret's values, as the providers take it.
 * The Secret is always the provider's own namespace's (the schema has no field
 * that could name another), and it is read by the identity the controller
 * hands in: for a tenant's provider, the Application's ServiceAccount when it
 * has one (as repository credentials are read), so RBAC decides; for a
 * cluster-wide provider (the controller's namespace), the controller.
 * Errors name the Secret and the key, never a value.
 */
import { UnrecoverableError } from 'bullmq';
import { KubeApiError, type RestClient } from '../kube/rest.ts';
import type { ProviderConfig } from './providers/provider.ts';
import type { KnownProvider } from './resources/watch.ts';

export interface SecretAccess {
  reader: Pick<RestClient, 'request'>;
  /** Who reads it, for messages ("system:serviceaccount:team-a:deployer", "the controller"). */
  identity: string;
}

async function readSecret(access: SecretAccess, namespace: string, name: string): Promise<Record<string, string>> {
  let body: unknown;
  try {
    ({ body } = await access.reader.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`));
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 403) throw new UnrecoverableError(`Secret ${namespace}/${name}: ${access.identity} may not read it; grant it get on this Secret`);
    if (error instanceof KubeApiError && error.status === 404) throw new UnrecoverableError(`Secret ${namespace}/${name} not found`);
    throw new Error(`Secret ${namespace}/${name}: could not be read (${error instanceof KubeApiError ? `HTTP ${error.status}` : 'no answer'})`, { cause: error });
  }
  const data = (body as { data?: Record<string, unknown> } | undefined)?.data ?? {};
  return Object.fromEntries(Object.entries(data).flatMap(([key, value]) => (typeof value === 'string' ? [[key, Buffer.from(value, 'base64').toString('utf8').trim()]] : [])));
}

/**
 * Secret reads kept `maxAgeMs` per (identity, Secret): a burst of notifications
 * to one provider costs one read, and a rotated token is picked up within
 * seconds. A failed read is not kept.
 */
export function cachedSecretReads(maxAgeMs = 10_000, now: () => number = Date.now): (access: SecretAccess, namespace: string, name: string) => Promise<Record<string, string>> {
  const kept = new Map<string, { at: number; values: Promise<Record<string, string>> }>();
  return (access, namespace, name) => {
    const key = JSON.stringify([access.identity, namespace, name]);
    const found = kept.get(key);
    if (found && now() - found.at < maxAgeMs) return found.values;
    const values = readSecret(access, namespace, name);
    kept.set(key, { at: now(), values });
    values.catch(() => { kept.delete(key); });
    if (kept.size > 1_000) kept.delete(kept.keys().next().value ?? key);
    return values;
  };
}

export async function providerConfigOf(provider: KnownProvider, access: SecretAccess, allowHttp: boolean, read = readSecret): Promise<ProviderConfig> {
  const { spec, namespace, name } = provider;
  const ref = spec.secretRef;
  const values = ref ? await read(access, namespace, ref.name) : {};
  const pick = (key: string | undefined, fallback: string): string | undefined => values[key ?? fallback] || undefined;
  const address = pick(ref?.addressKey, 'address') ?? spec.address;
  const token = pick(ref?.tokenKey, 'token');
  const secret = pick(ref?.secretKey, 'secret');
  return {
    kind: spec.type,
    name: `${namespace}/${name}`,
    ...(address === undefined ? {} : { address }),
    ...(token === undefined ? {} : { token }),
    ...(secret === undefined ? {} : { secret }),
    options: {
      ...(spec.channel ? { channel: spec.channel } : {}),
      ...(spec.username ? { username: spec.username } : {}),
      ...(spec.tokenUsername ? { tokenUsername: spec.tokenUsername } : {}),
      ...(spec.timeoutSeconds ? { timeoutMs: spec.timeoutSeconds * 1000 } : {}),
      allowHttp,
    },
  };
}
