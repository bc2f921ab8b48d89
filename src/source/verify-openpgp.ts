/**
 * OpenPGP signatures of Git objects, checked with the openpgp package against
 * the public keys of the Application's verify Secret. A detached signature
 * over the object's payload (verify-objects.ts), as `gpg --detach-sign` makes
 * it for git. The answer is data: trusted with the key's fingerprint, or why
 * not (unknown key, bad signature), never an exception for a hostile object.
 */
import * as openpgp from 'openpgp';

export type SignatureCheck =
  | { readonly trusted: true; readonly signer: string }
  | { readonly trusted: false; readonly why: 'unknown-key' | 'bad-signature' | 'malformed'; readonly detail: string };

const upper = (hex: string): string => hex.toUpperCase();

/** Reads every public key of one Secret entry (armored, or binary); throws naming the entry. */
export async function readOpenPgpKeys(text: string, source: string): Promise<openpgp.PublicKey[]> {
  try {
    const keys = text.includes('-----BEGIN PGP')
      ? await openpgp.readKeys({ armoredKeys: text })
      : await openpgp.readKeys({ binaryKeys: new Uint8Array(Buffer.from(text, 'latin1')) });
    // A private key in the Secret is a mistake worth refusing: only its public half is needed.
    if (keys.some((key) => key.isPrivate())) throw new Error('holds a private key; give the public key only (gpg --export --armor)');
    return keys.map((key) => key.toPublic());
  } catch (error) {
    throw new Error(`${source}: not an OpenPGP public key: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The issuer a signature names: its fingerprint when the packet carries one, else its key id. */
function issuerOf(signature: openpgp.Signature): string {
  const packet = signature.packets[0] as { issuerFingerprint?: Uint8Array | null } | undefined;
  if (packet?.issuerFingerprint) return upper(Buffer.from(packet.issuerFingerprint).toString('hex'));
  const [id] = signature.getSigningKeyIDs();
  return id ? upper(id.toHex()) : 'with no issuer';
}

export async function checkOpenPgpSignature(armored: string, payload: Buffer, keys: readonly openpgp.PublicKey[]): Promise<SignatureCheck> {
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature: armored });
  } catch (error) {
    return { trusted: false, why: 'malformed', detail: `the OpenPGP signature cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  const issuer = issuerOf(signature);
  const ids = signature.getSigningKeyIDs();
  const candidates = keys.filter((key) => ids.some((id) => key.getKeys(id).length > 0));
  if (candidates.length === 0) return { trusted: false, why: 'unknown-key', detail: issuer };
  try {
    const message = await openpgp.createMessage({ binary: new Uint8Array(payload) });
    const result = await openpgp.verify({ message, signature, verificationKeys: candidates, expectSigned: true });
    for (const entry of result.signatures) {
      await entry.verified;
      const key = candidates.find((candidate) => candidate.getKeys(entry.keyID).length > 0);
      return { trusted: true, signer: upper(key?.getFingerprint() ?? entry.keyID.toHex()) };
    }
    return { trusted: false, why: 'bad-signature', detail: issuer };
  } catch (error) {
    return { trusted: false, why: 'bad-signature', detail: `${issuer} (${error instanceof Error ? error.message : String(error)})` };
  }
}
