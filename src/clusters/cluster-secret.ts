/**
 * A destination cluster as a Secret in the controller's namespace (issue 19),
 * the way Argo CD keeps them, so its cluster Secrets carry over:
 *
 *   metadata.labels["berth.dev/secret-type"] = "cluster"
 *   data.name        the name Applications use in spec.destination.name
 *   data.server      the API server URL (spec.destination.server matches it)
 *   data.config      JSON: { bearerToken, tlsClientConfig: { caData, certData, keyData, insecure } }
 *     or
 *   data.kubeconfig  a kubeconfig (inline data only; exec plugins allowed), data.context to pick one
 *   data.namespaces             destination namespaces allowed there, comma-separated globs (empty: all)
 *   data.applicationNamespaces  Application namespaces that may deploy there, comma-separated globs (default `*`)
 *   data.qps, data.burst        requests per second to that API server, and the burst above it
 *   data.concurrency            reconciles of that cluster at once in one controller
 *
 * Only the controller's namespace is read, so a tenant cannot add a cluster.
 * Pure: every field is validated here and a bad one names the Secret and key.
 */
import type { KubeObject } from '../../objects.ts';

export const clusterSecretLabel = 'berth.dev/secret-type';
export const clusterSecretLabelValue = 'cluster';
/** The cluster Berth runs against: what an Application with no destination.name or server deploys to. */
export const localClusterName = 'in-cluster';

export type ClusterAuth =
  | { kind: 'token'; bearerToken?: string; caData?: string; certData?: string; keyData?: string; insecure: boolean }
  | { kind: 'kubeconfig'; kubeconfig: string; context?: string };

export interface ClusterConfig {
  name: string;
  server: string;
  auth: ClusterAuth;
  /** Globs of the destination namespaces allowed in that cluster; empty: all. */
  namespaces: string[];
  /** Globs of the Application namespaces that may deploy there. */
  applicationNamespaces: string[];
  qps: number;
  burst: number;
  /** Reconciles of that cluster at once in one controller; unset: the controller's --cluster-concurrency. */
  concurrency: number | undefined;
  /** The Secret's resourceVersion: a change means new credentials. */
  version: string;
  /** `Secret <namespace>/<name>`, for messages. */
  source: string;
}

export class ClusterSecretError extends Error {
  override name = 'ClusterSecretError';
}

const clusterNamePattern = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/;
const globPattern = /^[a-z0-9*?-]{1,63}$/;
const base64Pattern = /^[A-Za-z0-9+/=\s]*$/;
/** Fields of a kubeconfig that make the controller read its own files. */
const fileReferences = ['certificate-authority:', 'client-certificate:', 'client-key:', 'tokenFile:'];

function decoded(secret: KubeObject, key: string): string | undefined {
  const data = (secret as { data?: Record<string, unknown> }).data;
  const value = data?.[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !base64Pattern.test(value)) throw new ClusterSecretError(`${sourceOf(secret)}: data.${key} is not base64`);
  return Buffer.from(value, 'base64').toString('utf8');
}

function sourceOf(secret: KubeObject): string {
  return `Secret ${secret.metadata.namespace ?? ''}/${secret.metadata.name ?? ''}`;
}

function globs(secret: KubeObject, key: string, fallback: string[]): string[] {
  const text = decoded(secret, key)?.trim();
  if (text === undefined || text === '') return fallback;
  const list = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  const bad = list.find((item) => !globPattern.test(item));
  if (bad !== undefined) throw new ClusterSecretError(`${sourceOf(secret)}: data.${key}: "${bad.slice(0, 64)}" is not a namespace glob (lower-case letters, digits, -, * and ?)`);
  return list;
}

function positiveInt(secret: KubeObject, key: string, fallback: number, max: number): number {
  const text = decoded(secret, key)?.trim();
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) throw new ClusterSecretError(`${sourceOf(secret)}: data.${key} must be a whole number from 1 to ${max}, got "${text.slice(0, 32)}"`);
  return value;
}

function optionalString(object: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ClusterSecretError(`${where}.${key} must be a string`);
  return value;
}

function tokenAuth(secret: KubeObject, text: string): ClusterAuth {
  const where = `${sourceOf(secret)}: data.config`;
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw new ClusterSecretError(`${where} is not JSON`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ClusterSecretError(`${where} must be a JSON object`);
  const object = config as Record<string, unknown>;
  const unknownKey = Object.keys(object).find((key) => key !== 'bearerToken' && key !== 'tlsClientConfig');
  if (unknownKey !== undefined) throw new ClusterSecretError(`${where}: unknown field "${unknownKey.slice(0, 64)}" (bearerToken and tlsClientConfig are read; use data.kubeconfig for exec plugins)`);
  const tls: unknown = object.tlsClientConfig ?? {};
  if (typeof tls !== 'object' || tls === null || Array.isArray(tls)) throw new ClusterSecretError(`${where}.tlsClientConfig must be an object`);
  const tlsObject = tls as Record<string, unknown>;
  const insecure = tlsObject.insecure ?? false;
  if (typeof insecure !== 'boolean') throw new ClusterSecretError(`${where}.tlsClientConfig.insecure must be true or false`);
  const auth: ClusterAuth = { kind: 'token', insecure };
  const bearerToken = optionalString(object, 'bearerToken', where);
  if (bearerToken !== undefined) auth.bearerToken = bearerToken;
  const unknownTls = Object.keys(tlsObject).find((key) => !['caData', 'certData', 'keyData', 'insecure'].includes(key));
  if (unknownTls !== undefined) throw new ClusterSecretError(`${where}.tlsClientConfig: unknown field "${unknownTls.slice(0, 64)}" (caData, certData, keyData and insecure are read)`);
  for (const key of ['caData', 'certData', 'keyData'] as const) {
    const value = optionalString(tlsObject, key, `${where}.tlsClientConfig`);
    if (value !== undefined) auth[key] = value;
  }
  if (auth.bearerToken === undefined && (auth.certData === undefined || auth.keyData === undefined)) {
    throw new ClusterSecretError(`${where} has no credentials: give bearerToken, or tlsClientConfig.certData and keyData`);
  }
  return auth;
}

function kubeconfigAuth(secret: KubeObject, kubeconfig: string): ClusterAuth {
  const reference = fileReferences.find((field) => new RegExp(`^\\s*${field}`, 'm').test(kubeconfig));
  if (reference !== undefined) throw new ClusterSecretError(`${sourceOf(secret)}: data.kubeconfig names a file (${reference.replace(':', '')}); inline it as ...-data`);
  const context = decoded(secret, 'context')?.trim();
  return context ? { kind: 'kubeconfig', kubeconfig, context } : { kind: 'kubeconfig', kubeconfig };
}

/** Is this Secret one of Berth's cluster Secrets (whatever its content)? */
export function isClusterSecret(object: KubeObject): boolean {
  return object.metadata.labels?.[clusterSecretLabel] === clusterSecretLabelValue;
}

/** Reads a cluster Secret; throws a ClusterSecretError naming the Secret and field. */
export function parseClusterSecret(secret: KubeObject): ClusterConfig {
  const source = sourceOf(secret);
  const name = decoded(secret, 'name')?.trim() ?? secret.metadata.name ?? '';
  if (!clusterNamePattern.test(name)) throw new ClusterSecretError(`${source}: data.name "${name.slice(0, 64)}" must be a DNS name (lower-case letters, digits, - and .)`);
  if (name === localClusterName) throw new ClusterSecretError(`${source}: data.name "${localClusterName}" is the cluster Berth runs against and cannot be redefined`);
  const server = decoded(secret, 'server')?.trim() ?? '';
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ClusterSecretError(`${source}: data.server "${server.slice(0, 128)}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ClusterSecretError(`${source}: data.server must be an https:// URL`);
  if (url.username !== '' || url.password !== '') throw new ClusterSecretError(`${source}: data.server must not carry credentials; put them in data.config`);

  const config = decoded(secret, 'config');
  const kubeconfig = decoded(secret, 'kubeconfig');
  if ((config === undefined) === (kubeconfig === undefined)) throw new ClusterSecretError(`${source}: give exactly one of data.config and data.kubeconfig`);
  const auth = config !== undefined ? tokenAuth(secret, config) : kubeconfigAuth(secret, kubeconfig ?? '');

  const qps = positiveInt(secret, 'qps', 50, 10_000);
  return {
    name, server: server.replace(/\/+$/, ''), auth,
    namespaces: globs(secret, 'namespaces', []),
    applicationNamespaces: globs(secret, 'applicationNamespaces', ['*']),
    qps, burst: positiveInt(secret, 'burst', qps * 2, 20_000),
    concurrency: decoded(secret, 'concurrency') === undefined ? undefined : positiveInt(secret, 'concurrency', 1, 256),
    version: secret.metadata.resourceVersion ?? '', source,
  };
}
