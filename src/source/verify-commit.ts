/**
 * Whether a Git object (a commit or an annotated tag) carries a good signature
 * by a trusted key: the one decision of `source.verify`, on raw object bytes
 * and parsed keys, with no I/O. The answer is data the reconcile reports on the
 * Application: trusted with the signer, or untrusted with a reason from a
 * closed set and a message naming the object and why.
 */
import type { PublicKey } from 'openpgp';
import { signedCommit, signedTag, signerTime, type SignedObject } from './verify-objects.ts';
import { checkOpenPgpSignature, type SignatureCheck } from './verify-openpgp.ts';
import { parseSshSignature, signerAllows, sshFingerprint, sshSignatureVerifies, type AllowedSigner } from './verify-ssh.ts';

/** The keys an Application trusts: OpenPGP public keys and SSH allowed signers, from its verify Secret. */
export interface TrustedKeys {
  readonly openpgp: readonly PublicKey[];
  readonly ssh: readonly AllowedSigner[];
}

export const untrustedReasons = {
  /** The object carries no signature. */
  Unsigned: 'Unsigned',
  /** Signed, by a key the Secret does not list. */
  UnknownKey: 'UnknownKey',
  /** Signed by a listed key, but the signature does not match the object (or the key may not sign it). */
  BadSignature: 'BadSignature',
  /** A signature Berth cannot check (X.509, a malformed armor, an unsupported key type). */
  Unsupported: 'Unsupported',
} as const;
export type UntrustedReason = (typeof untrustedReasons)[keyof typeof untrustedReasons];

export type Verdict =
  | { readonly trusted: true; readonly signer: string }
  | { readonly trusted: false; readonly reason: UntrustedReason; readonly message: string };

/** git signs in namespace "git" (gpg-interface.c); a signature made for another namespace is not a commit signature. */
const gitNamespace = 'git';

function checkSsh(armored: string, payload: Buffer, signers: readonly AllowedSigner[], time: number | undefined): SignatureCheck {
  let parsed;
  try {
    parsed = parseSshSignature(armored);
  } catch (error) {
    return { trusted: false, why: 'malformed', detail: error instanceof Error ? error.message : String(error) };
  }
  const fingerprint = sshFingerprint(parsed.publicKey);
  const listed = signers.filter((signer) => signer.key.equals(parsed.publicKey));
  if (listed.length === 0) return { trusted: false, why: 'unknown-key', detail: fingerprint };
  if (parsed.namespace !== gitNamespace) return { trusted: false, why: 'bad-signature', detail: `${fingerprint} (made for namespace ${JSON.stringify(parsed.namespace.slice(0, 40))}, not git)` };
  const allowed = listed.find((signer) => signerAllows(signer, gitNamespace, time));
  if (!allowed) return { trusted: false, why: 'bad-signature', detail: `${fingerprint} (its allowed_signers line does not allow this signature: namespaces or validity)` };
  let good: boolean;
  try {
    good = sshSignatureVerifies(parsed, payload);
  } catch (error) {
    return { trusted: false, why: 'malformed', detail: `${fingerprint}: ${error instanceof Error ? error.message : String(error)}` };
  }
  return good ? { trusted: true, signer: `${allowed.principals.join(',')} ${fingerprint}` } : { trusted: false, why: 'bad-signature', detail: fingerprint };
}

async function verifySigned(object: SignedObject, keys: TrustedKeys, time: number | undefined, what: string): Promise<Verdict> {
  if (object.signature === undefined || object.format === undefined) {
    return { trusted: false, reason: 'Unsigned', message: `${what} is not signed` };
  }
  if (object.format === 'x509') return { trusted: false, reason: 'Unsupported', message: `${what} has an X.509 (gpgsm) signature, which Berth does not check` };
  const check = object.format === 'ssh'
    ? checkSsh(object.signature, object.payload, keys.ssh, time)
    : await checkOpenPgpSignature(object.signature, object.payload, keys.openpgp);
  if (check.trusted) return check;
  const kind = object.format === 'ssh' ? 'SSH' : 'OpenPGP';
  switch (check.why) {
    case 'unknown-key':
      return { trusted: false, reason: 'UnknownKey', message: `${what} is signed by unknown ${kind} key ${check.detail}` };
    case 'bad-signature':
      return { trusted: false, reason: 'BadSignature', message: `${what} has a bad ${kind} signature from key ${check.detail}` };
    case 'malformed':
      return { trusted: false, reason: 'Unsupported', message: `${what}: ${check.detail}` };
  }
}

/** Verifies a raw commit object; `what` names it in messages (`commit 3f2c1a9b8e7d`). */
export function verifyCommit(raw: Uint8Array, keys: TrustedKeys, what: string): Promise<Verdict> {
  return verifySigned(signedCommit(raw), keys, signerTime(raw), what);
}

/** Verifies a raw annotated tag object; `what` names it in messages (`tag v1.2.0`). */
export function verifyTag(raw: Uint8Array, keys: TrustedKeys, what: string): Promise<Verdict> {
  return verifySigned(signedTag(raw), keys, signerTime(raw), what);
}
