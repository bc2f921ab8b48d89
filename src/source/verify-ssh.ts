/**
 * SSH signatures as git makes them (`gpg.format=ssh`): the armored SSHSIG
 * format of OpenSSH's PROTOCOL.sshsig, checked with node:crypto for ed25519,
 * ECDSA (nistp256/384/521) and RSA (rsa-sha2-256/512) keys, against an
 * allowed-signers list in ssh-keygen's format (`principals [options] key`).
 * No ssh-keygen is run: every byte here comes from a repository.
 *
 * Trusted means what `git verify-commit` with `gpg.ssh.allowedSignersFile`
 * means: the signing key is listed for namespace `git` (a `namespaces=` option
 * may narrow a line), within the line's `valid-after`/`valid-before` at the
 * commit's time, and the signature over the payload verifies.
 */
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';

export interface AllowedSigner {
  readonly principals: readonly string[];
  /** The public key blob (SSH wire format). */
  readonly key: Buffer;
  readonly keyType: string;
  /** `namespaces="git,file"`; undefined: every namespace. */
  readonly namespaces?: readonly string[];
  /** Epoch seconds. */
  readonly validAfter?: number;
  readonly validBefore?: number;
}

/** `SHA256:<base64 without padding>` of a key blob, as ssh-keygen -l prints it. */
export function sshFingerprint(key: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** A reader of the SSH wire format (RFC 4251 strings and uint32s) that never reads past the end. */
class WireReader {
  #offset = 0;
  readonly #bytes: Buffer;
  constructor(bytes: Buffer) { this.#bytes = bytes; }
  get done(): boolean { return this.#offset === this.#bytes.length; }
  raw(length: number): Buffer {
    if (length < 0 || this.#offset + length > this.#bytes.length) throw new Error('truncated');
    const out = this.#bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  }
  uint32(): number { return this.raw(4).readUInt32BE(0); }
  string(): Buffer { return this.raw(this.uint32()); }
  text(): string { return this.string().toString('latin1'); }
}

const base64url = (bytes: Buffer): string => bytes.toString('base64url');
/** An SSH mpint as unsigned big-endian bytes (drops the sign byte). */
const unsigned = (mpint: Buffer): Buffer => { let i = 0; while (i < mpint.length - 1 && mpint[i] === 0) i++; return mpint.subarray(i); };

const curves: Readonly<Record<string, { crv: string; size: number; hash: string }>> = {
  nistp256: { crv: 'P-256', size: 32, hash: 'sha256' },
  nistp384: { crv: 'P-384', size: 48, hash: 'sha384' },
  nistp521: { crv: 'P-521', size: 66, hash: 'sha512' },
};

/** A node KeyObject from an SSH public key blob; throws naming the type it cannot use. */
export function publicKeyOf(blob: Buffer): { type: string; key: KeyObject } {
  const reader = new WireReader(blob);
  const type = reader.text();
  if (type === 'ssh-ed25519') {
    const x = reader.string();
    if (x.length !== 32) throw new Error('ed25519 key is not 32 bytes');
    return { type, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(x) }, format: 'jwk' }) };
  }
  if (type === 'ssh-rsa') {
    const e = unsigned(reader.string());
    const n = unsigned(reader.string());
    if (n.length * 8 < 2048) throw new Error('RSA key is shorter than 2048 bits');
    return { type, key: createPublicKey({ key: { kty: 'RSA', e: base64url(e), n: base64url(n) }, format: 'jwk' }) };
  }
  const curve = /^ecdsa-sha2-(nistp256|nistp384|nistp521)$/.exec(type)?.[1];
  if (curve !== undefined) {
    const spec = curves[curve];
    if (spec === undefined || reader.text() !== curve) throw new Error(`${type} key names another curve`);
    const point = reader.string();
    if (point.length !== 1 + 2 * spec.size || point[0] !== 0x04) throw new Error(`${type} key is not an uncompressed point`);
    const x = point.subarray(1, 1 + spec.size);
    const y = point.subarray(1 + spec.size);
    return { type, key: createPublicKey({ key: { kty: 'EC', crv: spec.crv, x: base64url(x), y: base64url(y) }, format: 'jwk' }) };
  }
  throw new Error(`key type ${JSON.stringify(type.slice(0, 40))} is not supported (ed25519, ecdsa-sha2-nistp256/384/521 and ssh-rsa are)`);
}

export interface ParsedSshSignature {
  readonly publicKey: Buffer;
  readonly namespace: string;
  readonly hashAlgorithm: 'sha256' | 'sha512';
  readonly signatureType: string;
  readonly signature: Buffer;
}

const armorBegin = '-----BEGIN SSH SIGNATURE-----';
const armorEnd = '-----END SSH SIGNATURE-----';

/** Parses an armored SSHSIG; throws with what is wrong (the message is shown on the Application). */
export function parseSshSignature(armored: string): ParsedSshSignature {
  const text = armored.trim();
  if (!text.startsWith(armorBegin) || !text.endsWith(armorEnd)) throw new Error('not an armored SSH signature');
  const body = text.slice(armorBegin.length, -armorEnd.length).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new Error('the SSH signature is not base64');
  const reader = new WireReader(Buffer.from(body, 'base64'));
  try {
    if (reader.raw(6).toString('latin1') !== 'SSHSIG') throw new Error('no SSHSIG preamble');
    const version = reader.uint32();
    if (version !== 1) throw new Error(`SSHSIG version ${version} is not supported`);
    const publicKey = reader.string();
    const namespace = reader.text();
    reader.string(); // reserved
    const hashAlgorithm = reader.text();
    if (hashAlgorithm !== 'sha256' && hashAlgorithm !== 'sha512') throw new Error(`hash ${JSON.stringify(hashAlgorithm.slice(0, 20))} is not sha256 or sha512`);
    const wrapped = new WireReader(reader.string());
    const signatureType = wrapped.text();
    const signature = wrapped.string();
    if (!reader.done) throw new Error('trailing bytes after the signature');
    return { publicKey: Buffer.from(publicKey), namespace, hashAlgorithm, signatureType, signature: Buffer.from(signature) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(message === 'truncated' ? 'the SSH signature is truncated' : message, { cause: error });
  }
}

function sshString(bytes: Buffer | string): Buffer {
  const value = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  return Buffer.concat([length, value]);
}

/** What the signature actually signs (PROTOCOL.sshsig): the preamble, namespace, hash name and the message's hash. */
function signedData(parsed: ParsedSshSignature, message: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from('SSHSIG', 'latin1'), sshString(parsed.namespace), sshString(''), sshString(parsed.hashAlgorithm),
    sshString(createHash(parsed.hashAlgorithm).update(message).digest()),
  ]);
}

/** Whether `parsed` is a good signature of `message` by its own public key. */
export function sshSignatureVerifies(parsed: ParsedSshSignature, message: Buffer): boolean {
  const { type, key } = publicKeyOf(parsed.publicKey);
  const data = signedData(parsed, message);
  if (type === 'ssh-ed25519') return parsed.signatureType === 'ssh-ed25519' && verifySignature(null, data, key, parsed.signature);
  if (type === 'ssh-rsa') {
    // SSHSIG forbids ssh-rsa (SHA-1) signatures.
    const hash = parsed.signatureType === 'rsa-sha2-256' ? 'sha256' : parsed.signatureType === 'rsa-sha2-512' ? 'sha512' : undefined;
    return hash !== undefined && verifySignature(hash, data, key, parsed.signature);
  }
  const curve = curves[type.slice('ecdsa-sha2-'.length)];
  if (curve === undefined || parsed.signatureType !== type) return false;
  const inner = new WireReader(parsed.signature);
  const r = unsigned(inner.string());
  const s = unsigned(inner.string());
  if (r.length > curve.size || s.length > curve.size) return false;
  const p1363 = Buffer.concat([Buffer.alloc(curve.size - r.length), r, Buffer.alloc(curve.size - s.length), s]);
  return verifySignature(curve.hash, data, { key, dsaEncoding: 'ieee-p1363' }, p1363);
}

/** `20240101` or `20240101123000` (ssh-keygen's forms, UTC with a trailing Z or local): epoch seconds. */
function timeOption(value: string): number {
  const found = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?Z?$/.exec(value);
  if (!found) throw new Error(`time ${JSON.stringify(value)} is not YYYYMMDD[HHMM[SS]]`);
  const [, y, mo, d, h = '0', mi = '0', se = '0'] = found;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se)) / 1000;
}

/** Splits an allowed-signers line into fields, keeping quoted option values whole. */
function fields(line: string): string[] {
  return line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
}

/**
 * Parses an allowed-signers file (ssh-keygen(1), ALLOWED SIGNERS). Blank lines
 * and `#` comments are skipped; `cert-authority` lines are refused (certificate
 * signatures are not supported), as is any line that is not `principals
 * [options] keytype base64 [comment]`. Errors name the line.
 */
export function parseAllowedSigners(text: string, source: string): AllowedSigner[] {
  const signers: AllowedSigner[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source} line ${index + 1}`;
    const parts = fields(line);
    const [principals, ...rest] = parts;
    let options: string[] = [];
    if (rest[0] !== undefined && !/^(ssh-|ecdsa-|sk-)/.test(rest[0])) options = (rest.shift() ?? '').split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    const [keyType, keyText] = rest;
    if (principals === undefined || keyType === undefined || keyText === undefined) throw new Error(`${where}: expected "principals [options] keytype key"`);
    const signer: { principals: string[]; key: Buffer; keyType: string; namespaces?: string[]; validAfter?: number; validBefore?: number } = {
      principals: principals.split(','), key: Buffer.from(keyText, 'base64'), keyType,
    };
    for (const option of options) {
      const [name = '', value = ''] = option.split(/=(.*)/s);
      const unquoted = value.replace(/^"|"$/g, '');
      switch (name.toLowerCase()) {
        case 'namespaces': signer.namespaces = unquoted.split(','); break;
        case 'valid-after': signer.validAfter = timeOption(unquoted); break;
        case 'valid-before': signer.validBefore = timeOption(unquoted); break;
        case 'cert-authority': throw new Error(`${where}: cert-authority lines are not supported; list the signing keys themselves`);
        default: throw new Error(`${where}: option ${JSON.stringify(name.slice(0, 40))} is not understood`);
      }
    }
    try {
      const parsed = publicKeyOf(signer.key);
      if (parsed.type !== keyType) throw new Error(`the key is ${parsed.type}, not ${keyType}`);
    } catch (error) {
      throw new Error(`${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    signers.push(signer);
  });
  return signers;
}

/** Whether a signer's line allows a signature in `namespace` made at `time` (epoch seconds, when known). */
export function signerAllows(signer: AllowedSigner, namespace: string, time: number | undefined): boolean {
  if (signer.namespaces !== undefined && !signer.namespaces.includes(namespace)) return false;
  if (time !== undefined && signer.validAfter !== undefined && time < signer.validAfter) return false;
  if (time !== undefined && signer.validBefore !== undefined && time > signer.validBefore) return false;
  return true;
}
