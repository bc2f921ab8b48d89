/**
 * OpenSSH known_hosts, read as `ssh` reads it, to decide whether the host key a
 * server offers is the one the Application trusts: plain and hashed (`|1|salt|hash`)
 * host names, `[host]:port` for ports other than 22, `*`/`?` patterns and `!`
 * negations, and `@revoked` lines (a revoked key is refused even when another line
 * lists it). `@cert-authority` lines are skipped: Berth does not check host
 * certificates, so such a host needs its plain key listed.
 */
import { createHash, createHmac } from 'node:crypto';

export interface KnownHostKey {
  /** `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, ... */
  type: string;
  /** The public key blob (base64-decoded third field). */
  blob: Buffer;
}

interface Line {
  marker: 'revoked' | undefined;
  patterns: string[];
  key: KnownHostKey;
}

function parseLines(text: string): Line[] {
  const lines: Line[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: Line['marker'];
    if (fields[0]?.startsWith('@')) {
      const word = fields.shift();
      if (word !== '@revoked') continue;
      marker = 'revoked';
    }
    const [hosts, type, base64] = fields;
    if (!hosts || !type || !base64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) continue;
    lines.push({ marker, patterns: hosts.split(','), key: { type, blob: Buffer.from(base64, 'base64') } });
  }
  return lines;
}

/** The name known_hosts lists a host under: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

function globMatches(pattern: string, name: string): boolean {
  const expression = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${expression}$`, 'i').test(name);
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  return globMatches(pattern, name);
}

/** Whether a line's host list names `name`: one pattern matches and no negated one does. */
function linesFor(lines: readonly Line[], name: string): Line[] {
  return lines.filter(({ patterns }) => {
    let matched = false;
    for (const pattern of patterns) {
      const negated = pattern.startsWith('!');
      if (patternMatches(negated ? pattern.slice(1) : pattern, name)) {
        if (negated) return false;
        matched = true;
      }
    }
    return matched;
  });
}

export class KnownHosts {
  readonly #lines: Line[];

  constructor(text: string) {
    this.#lines = parseLines(text);
  }

  /** How many usable lines the text held. */
  get size(): number {
    return this.#lines.length;
  }

  /** The keys trusted for host:port (revoked ones left out). */
  keysFor(host: string, port: number): KnownHostKey[] {
    return linesFor(this.#lines, knownHostName(host, port)).filter((line) => line.marker === undefined).map((line) => line.key);
  }

  /** `trusted`, `revoked` (listed under @revoked), `unknown` (no line for this host) or `mismatch` (lines, none with this key). */
  verdict(host: string, port: number, offered: Buffer): 'trusted' | 'revoked' | 'unknown' | 'mismatch' {
    const lines = linesFor(this.#lines, knownHostName(host, port));
    if (this.#lines.some((line) => line.marker === 'revoked' && line.key.blob.equals(offered))) return 'revoked';
    const trusted = lines.filter((line) => line.marker === undefined);
    if (trusted.length === 0) return 'unknown';
    return trusted.some((line) => line.key.blob.equals(offered)) ? 'trusted' : 'mismatch';
  }
}

/** OpenSSH's fingerprint of a public key blob: `SHA256:` and unpadded base64. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a public key blob (its first SSH string). */
export function blobType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + Math.min(length, 64)).toString('latin1');
}

/**
 * The host key algorithms to offer, in an order that makes a server with several
 * host keys present one that known_hosts lists (as `ssh` orders them).
 */
export function hostKeyAlgorithmsFor(types: readonly string[]): string[] {
  const algorithms: string[] = [];
  for (const type of types) {
    const forType = type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
    for (const algorithm of forType) if (!algorithms.includes(algorithm)) algorithms.push(algorithm);
  }
  return algorithms;
}
