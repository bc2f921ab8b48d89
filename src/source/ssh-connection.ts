/**
 * SSH connections to Git servers (the `ssh2` package, no `ssh` binary, so no
 * option can be smuggled into a command line): the host key is checked against
 * the Application's known_hosts before anything is sent, the client
 * authenticates with the private key from its credentialsSecret only, and a
 * connection is reused for a few seconds by the next operation with the same
 * (host, port, user, key, known hosts, network policy), as the HTTPS client
 * keeps its sockets alive: listing refs and fetching a pack share one handshake.
 * Failures are SshTransportErrors with a closed reason; messages name the host
 * and the offered key's fingerprint, never the private key.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import ssh2 from 'ssh2';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { assertHostAllowed, guardedLookup, type NetworkPolicy } from '../policy/guarded-lookup.ts';
import { blobType, fingerprint, hostKeyAlgorithmsFor, KnownHosts, knownHostName } from './ssh-known-hosts.ts';

export const SshFailure = {
  /** The server's host key is not in known_hosts (unknown host, changed key, revoked key). */
  HostKeyRejected: 'HostKeyRejected',
  AuthenticationFailed: 'AuthenticationFailed',
  RepositoryNotFound: 'RepositoryNotFound',
  /** The key or known_hosts from the Secret cannot be used. */
  InvalidCredentials: 'InvalidCredentials',
  /** Connection refused, reset, DNS, or the server broke the protocol: worth retrying. */
  Unreachable: 'Unreachable',
  Timeout: 'Timeout',
} as const;
export type SshFailure = (typeof SshFailure)[keyof typeof SshFailure];

export class SshTransportError extends Error {
  override readonly name = 'SshTransportError';
  readonly reason: SshFailure;

  constructor(reason: SshFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

export interface SshCredentials {
  kind: 'ssh';
  privateKey: string;
  /** known_hosts text; empty only when trust on first use is on. */
  knownHosts: string;
  passphrase?: string;
}

export interface SshTarget {
  host: string;
  port: number;
  user: string;
}

export interface SshConnectOptions {
  /** Handshake deadline (the request deadline of the HTTPS client). */
  timeoutMs: number;
  network?: NetworkPolicy;
  /** --ssh-trust-on-first-use: a host with no known_hosts line is trusted with the first key it shows this process. */
  trustOnFirstUse?: boolean;
}

/** host:port -> key blob seen first, when trust on first use is on (this process only). */
const firstSeen = new Map<string, Buffer>();

/** Forgets keys learnt on first use (tests). */
export function forgetFirstSeenKeys(): void {
  firstSeen.clear();
}

interface Pooled {
  client: Promise<Client>;
  idle: NodeJS.Timeout | undefined;
  users: number;
}

const idleMs = 5_000;
const pool = new Map<string, Pooled>();
/** Each connection's socket: referenced while an operation uses it, so an idle one never keeps a process alive. */
const sockets = new WeakMap<Client, net.Socket>();
const policyIds = new WeakMap<NetworkPolicy, number>();
let nextPolicyId = 1;

/** What one connection may serve: the same server, login, key, known hosts and network policy. */
export function connectionKey(target: SshTarget, credentials: SshCredentials, options: SshConnectOptions): string {
  let policy = 0;
  if (options.network) {
    policy = policyIds.get(options.network) ?? nextPolicyId++;
    policyIds.set(options.network, policy);
  }
  return createHash('sha256').update(JSON.stringify([target.host, target.port, target.user, credentials, policy, options.trustOnFirstUse ?? false])).digest('hex');
}

function where(target: SshTarget): string {
  return `${target.user}@${knownHostName(target.host, target.port)}`;
}

function parsePrivateKey(credentials: SshCredentials): void {
  const parsed = ssh2.utils.parseKey(credentials.privateKey, credentials.passphrase);
  if (parsed instanceof Error) {
    const why = /passphrase|encrypted/i.test(parsed.message) ? 'it is encrypted and sshPassphrase is missing or wrong' : 'it is not an OpenSSH, PEM or PuTTY private key';
    throw new SshTransportError('InvalidCredentials', `sshPrivateKey cannot be used: ${why}`);
  }
}

function connect(target: SshTarget, credentials: SshCredentials, options: SshConnectOptions): Promise<Client> {
  parsePrivateKey(credentials);
  const knownHosts = new KnownHosts(credentials.knownHosts);
  const listed = knownHosts.keysFor(target.host, target.port);
  const name = knownHostName(target.host, target.port);
  if (listed.length === 0 && !options.trustOnFirstUse) {
    const why = knownHosts.size === 0 ? 'knownHosts is empty or missing' : `knownHosts has no line for ${name}`;
    return Promise.reject(new SshTransportError('HostKeyRejected', `${where(target)}: ${why}; add the server's key (ssh-keyscan${target.port === 22 ? '' : ` -p ${target.port}`} ${target.host}, checked out of band) to knownHosts in credentialsSecret`));
  }
  if (options.network) assertHostAllowed(target.host, options.network);

  let rejection: SshTransportError | undefined;
  const verify = (key: Buffer): boolean => {
    const verdict = knownHosts.verdict(target.host, target.port, key);
    const seen = `${blobType(key)} ${fingerprint(key)}`;
    if (verdict === 'trusted') return true;
    if (verdict === 'unknown' && options.trustOnFirstUse) {
      const first = firstSeen.get(name);
      if (!first) {
        firstSeen.set(name, Buffer.from(key));
        return true;
      }
      if (first.equals(key)) return true;
      rejection = new SshTransportError('HostKeyRejected', `${where(target)}: the host key changed since first use (now ${seen}); add the right key to knownHosts`);
      return false;
    }
    rejection = new SshTransportError('HostKeyRejected', verdict === 'revoked'
      ? `${where(target)}: the server offered ${seen}, which knownHosts marks @revoked`
      : `${where(target)}: host key mismatch: the server offered ${seen}, which knownHosts does not list for ${name} (a changed key or a machine in the middle)`);
    return false;
  };

  return new Promise<Client>((resolve, reject) => {
    const client = new ssh2.Client();
    let settled = false;
    const fail = (error: SshTransportError): void => {
      if (settled) return;
      settled = true;
      client.end();
      reject(error);
    };
    const socket = net.connect({ host: target.host, port: target.port, ...(options.network ? { lookup: guardedLookup(options.network) } : {}) });
    socket.setNoDelay(true);
    sockets.set(client, socket);
    socket.on('error', (error) => {
      fail(rejection ?? toConnectError(error, target, options.timeoutMs));
    });
    client.on('ready', () => {
      settled = true;
      resolve(client);
    });
    client.on('error', (error: Error & { level?: string }) => {
      fail(rejection ?? toConnectError(error, target, options.timeoutMs));
    });
    const algorithms = listed.length > 0 ? { serverHostKey: hostKeyAlgorithmsFor(listed.map((key) => key.type)) as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } : undefined;
    client.connect({
      sock: socket,
      host: target.host, port: target.port, username: target.user,
      privateKey: credentials.privateKey, ...(credentials.passphrase ? { passphrase: credentials.passphrase } : {}),
      // Only the key: no password prompt, no agent, no keyboard-interactive.
      authHandler: ['publickey'],
      hostVerifier: verify,
      readyTimeout: options.timeoutMs,
      keepaliveInterval: 0,
      ...(algorithms ? { algorithms } : {}),
    });
  });
}

function toConnectError(error: Error & { level?: string; code?: string }, target: SshTarget, timeoutMs: number): SshTransportError {
  if (error instanceof SshTransportError) return error;
  if (error.name === 'PolicyError') return new SshTransportError('Unreachable', error.message, { cause: error });
  if (error.level === 'client-authentication') {
    return new SshTransportError('AuthenticationFailed', `${where(target)}: the server refused the key in sshPrivateKey (publickey authentication failed)`, { cause: error });
  }
  if (error.level === 'client-timeout') return new SshTransportError('Timeout', `${where(target)}: no SSH handshake within ${timeoutMs} ms`, { cause: error });
  const code = error.code ? ` (${error.code})` : '';
  return new SshTransportError('Unreachable', `${where(target)}: ${error.message}${code}`, { cause: error });
}

/**
 * A connection for one operation; `release` hands it back to the pool, where the
 * next operation reuses it for a few seconds. A connection that failed is dropped.
 */
export async function acquireConnection(target: SshTarget, credentials: SshCredentials, options: SshConnectOptions): Promise<{ client: Client; release: () => void }> {
  const key = connectionKey(target, credentials, options);
  let entry = pool.get(key);
  if (!entry) {
    const fresh: Pooled = { client: connect(target, credentials, options), idle: undefined, users: 0 };
    pool.set(key, fresh);
    entry = fresh;
    fresh.client.then((client) => {
      client.on('close', () => { if (pool.get(key) === fresh) pool.delete(key); });
    }, () => { if (pool.get(key) === fresh) pool.delete(key); });
  }
  const current = entry;
  current.users++;
  if (current.idle) clearTimeout(current.idle);
  current.idle = undefined;
  let client: Client;
  try {
    client = await current.client;
  } catch (error) {
    current.users--;
    throw error;
  }
  sockets.get(client)?.ref();
  let released = false;
  return {
    client,
    release: () => {
      if (released) return;
      released = true;
      current.users--;
      if (current.users > 0) return;
      sockets.get(client)?.unref();
      current.idle = setTimeout(() => {
        if (pool.get(key) === current) pool.delete(key);
        client.end();
      }, idleMs);
      current.idle.unref();
    },
  };
}

/** Runs `command` on a connection; the channel's stdout is the stream, stderr is collected (bounded). */
export function execChannel(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) reject(new SshTransportError('Unreachable', `the server refused to run git-upload-pack: ${error.message}`, { cause: error }));
      else resolve(channel);
    });
  });
}

/** Closes every pooled connection (tests, shutdown). */
export function closeSshConnections(): void {
  for (const [key, entry] of pool) {
    pool.delete(key);
    if (entry.idle) clearTimeout(entry.idle);
    entry.client.then((client) => client.end(), () => undefined);
  }
}
