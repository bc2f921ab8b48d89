/**
 * Where Berth's cluster credentials come from: an explicit kubeconfig file, else
 * in-cluster credentials when running in a pod, else the usual KUBECONFIG /
 * ~/.kube/config.
 *
 * Why not client-node's KubeConfig for everything: importing @kubernetes/client-node
 * loads its whole generated API and costs the controller about 80 MiB of RSS
 * (issue 6: the controller must stay under 300 MiB with 1,000 Applications). So the
 * common cases are read here: client certificates and keys (inline or files), a
 * bearer token (inline or `tokenFile`), basic auth, a CA (inline or a file),
 * insecure-skip-tls-verify, and the pod's service account. Anything else (exec
 * plugins, auth providers, proxies, a KUBECONFIG naming several files) is left to
 * client-node, loaded only then, so every auth flavour it supports still works.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type https from 'node:https';
import { homedir } from 'node:os';
import path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import type * as ClientNode from '@kubernetes/client-node';

export interface KubeConfigOptions {
  /** Path of a kubeconfig file; wins over everything else. */
  kubeconfig?: string;
  /** Context to use instead of the file's current-context. */
  context?: string;
}

/** What Berth needs of a kubeconfig; client-node's KubeConfig has it too, so tests may pass one. */
export interface KubeCredentials {
  getCurrentCluster(): { readonly server: string } | null;
  /** Sets the CA, client certificate and key, TLS verification and the Authorization header. */
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
}

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

interface ClusterEntry { server?: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string; 'insecure-skip-tls-verify'?: boolean }
interface UserEntry {
  'client-certificate-data'?: string; 'client-certificate'?: string; 'client-key-data'?: string; 'client-key'?: string;
  token?: string; tokenFile?: string; username?: string; password?: string;
}
interface ContextEntry { cluster?: string; user?: string }
interface KubeConfigFile {
  clusters?: { name?: string; cluster?: ClusterEntry }[];
  users?: { name?: string; user?: UserEntry }[];
  contexts?: { name?: string; context?: ContextEntry }[];
  'current-context'?: string;
}

/** Fields of a cluster or user entry read here; any other one sends the file to client-node. */
const knownClusterFields = new Set(['server', 'certificate-authority-data', 'certificate-authority', 'insecure-skip-tls-verify', 'extensions']);
const knownUserFields = new Set(['client-certificate-data', 'client-certificate', 'client-key-data', 'client-key', 'token', 'tokenFile', 'username', 'password', 'extensions']);

function fileOrData(root: string, file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file) return readFileSync(path.isAbsolute(file) ? file : path.join(root, file));
  return data ? Buffer.from(data, 'base64') : undefined;
}

/** The credentials of one kubeconfig file, or undefined when it needs client-node. */
function fromFile(file: string, contextName: string | undefined): KubeCredentials | undefined {
  const parsed = (loadYaml(readFileSync(file, 'utf8')) ?? {}) as KubeConfigFile;
  const currentName = contextName ?? parsed['current-context'];
  const context = parsed.contexts?.find((entry) => entry.name === currentName)?.context;
  const cluster = parsed.clusters?.find((entry) => entry.name === context?.cluster)?.cluster;
  const user = parsed.users?.find((entry) => entry.name === context?.user)?.user ?? {};
  if (!context || !cluster?.server) {
    throw new Error(`kubeconfig ${file}: no current cluster (context ${currentName || 'unset'})`);
  }
  if (Object.keys(cluster).some((key) => !knownClusterFields.has(key)) || Object.keys(user).some((key) => !knownUserFields.has(key))) return undefined;
  const root = path.dirname(file);
  const ca = fileOrData(root, cluster['certificate-authority'], cluster['certificate-authority-data']);
  const cert = fileOrData(root, user['client-certificate'], user['client-certificate-data']);
  const key = fileOrData(root, user['client-key'], user['client-key-data']);
  const server = cluster.server;
  return {
    getCurrentCluster: () => ({ server }),
    applyToHTTPSOptions(options) {
      if (ca) options.ca = ca;
      if (cert) options.cert = cert;
      if (key) options.key = key;
      if (cluster['insecure-skip-tls-verify'] === true) options.rejectUnauthorized = false;
      const headers = (options.headers ?? {}) as Record<string, string>;
      // A token file is read on each use: projected tokens rotate.
      const token = user.tokenFile ? readFileSync(path.isAbsolute(user.tokenFile) ? user.tokenFile : path.join(root, user.tokenFile), 'utf8').trim() : user.token;
      if (token) headers.Authorization = `Bearer ${token}`;
      else if (user.username) headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
      options.headers = headers;
      return Promise.resolve();
    },
  };
}

function inCluster(): KubeCredentials {
  const host = process.env.KUBERNETES_SERVICE_HOST ?? '';
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    getCurrentCluster: () => ({ server }),
    applyToHTTPSOptions(options) {
      options.ca = readFileSync(path.join(serviceAccountDir, 'ca.crt'));
      const token = readFileSync(path.join(serviceAccountDir, 'token'), 'utf8').trim();
      options.headers = { ...(options.headers as Record<string, string> | undefined), Authorization: `Bearer ${token}` };
      return Promise.resolve();
    },
  };
}

/** client-node's KubeConfig, loaded only for what this module does not read itself. */
function withClientNode(options: KubeConfigOptions): KubeCredentials {
  // require() of the ES module keeps loadKubeConfig synchronous; Node >= 22.12 allows it.
  const { KubeConfig } = createRequire(import.meta.url)('@kubernetes/client-node') as typeof ClientNode;
  const kc = new KubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  if (options.context) kc.setCurrentContext(options.context);
  if (!kc.getCurrentCluster()) {
    throw new Error(`kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''}: no current cluster (context ${kc.getCurrentContext() || 'unset'})`);
  }
  return kc;
}

export function loadKubeConfig(options: KubeConfigOptions = {}): KubeCredentials {
  const fromEnvironment = process.env.KUBECONFIG;
  if (!options.kubeconfig && process.env.KUBERNETES_SERVICE_HOST && !fromEnvironment) return inCluster();
  let file = options.kubeconfig;
  if (!file && fromEnvironment) {
    const files = fromEnvironment.split(path.delimiter).filter(Boolean);
    if (files.length === 1) file = files[0];
  } else if (!file) {
    const home = path.join(homedir(), '.kube', 'config');
    if (existsSync(home)) file = home;
  }
  return (file ? fromFile(file, options.context) : undefined) ?? withClientNode(options);
}
