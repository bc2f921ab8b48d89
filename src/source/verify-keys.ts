/**
 * The keys an Application's `source.verify` trusts, read from its Secret as
 * the Application (its ServiceAccount by impersonation when it has one, else
 * the controller) and always from the Application's own namespace: the spec
 * holds a DNS name only, so no tenant can point verify at another namespace's
 * keys. Entries named `allowed_signers` (or ending in `.allowed_signers`) are
 * SSH allowed signers; every other entry is OpenPGP public keys. A Secret that
 * cannot be read or holds no usable key is an InvalidSourceError naming it,
 * so nothing is deployed and the Application says why.
 */
import { KubeApiError, type RestClient } from '../kube/rest.ts';
import { InvalidSourceError } from '../errors.ts';
import type { TrustedKeys } from './verify-commit.ts';
import { readOpenPgpKeys } from './verify-openpgp.ts';
import { parseAllowedSigners, type AllowedSigner } from './verify-ssh.ts';

export interface VerifyKeysRequest {
  /** The Application's namespace. */
  namespace: string;
  /** spec.source.verify.secretRef.name. */
  secretName: string;
}

export interface SecretAccess {
  /** The client that reads as the Application. */
  reader: RestClient;
  /** Who `reader` is, for messages. */
  identity: string;
}

const secretNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** More keys than anyone lists, and bytes enough for them: a Secret is at most 1 MiB anyway. */
const maxEntries = 64;

function isAllowedSigners(key: string): boolean {
  return key === 'allowed_signers' || key.endsWith('.allowed_signers');
}

/** Parses a Secret's decoded data into trusted keys; throws an InvalidSourceError naming the entry at fault. */
export async function trustedKeysFromSecret(secret: string, data: Readonly<Record<string, string>>): Promise<TrustedKeys> {
  const entries = Object.entries(data);
  if (entries.length === 0) throw new InvalidSourceError('VerificationFailed', `Secret ${secret} (source.verify) holds no keys: add OpenPGP public keys (e.g. dev.asc) or allowed_signers`);
  if (entries.length > maxEntries) throw new InvalidSourceError('VerificationFailed', `Secret ${secret} (source.verify) has ${entries.length} entries, more than ${maxEntries}`);
  const openpgp = [];
  const ssh: AllowedSigner[] = [];
  for (const [key, value] of entries) {
    const where = `Secret ${secret} key ${key}`;
    try {
      if (isAllowedSigners(key)) ssh.push(...parseAllowedSigners(value, where));
      else openpgp.push(...await readOpenPgpKeys(value, where));
    } catch (error) {
      throw new InvalidSourceError('VerificationFailed', error instanceof Error ? error.message : String(error), { cause: error });
    }
  }
  if (openpgp.length === 0 && ssh.length === 0) throw new InvalidSourceError('VerificationFailed', `Secret ${secret} (source.verify) holds no keys`);
  return { openpgp, ssh };
}

export async function verifyKeys(request: VerifyKeysRequest, access: SecretAccess): Promise<TrustedKeys> {
  const { namespace, secretName } = request;
  const secret = `${namespace}/${secretName}`;
  // The schema allows only DNS names; checked again here because this is where a `/` would change which object is read.
  if (!secretNamePattern.test(secretName) || secretName.length > 253) {
    throw new InvalidSourceError('NotAllowed', `verify.secretRef.name ${JSON.stringify(secretName.slice(0, 80))}: must be the name of a Secret in the Application's namespace`);
  }
  let body: unknown;
  try {
    ({ body } = await access.reader.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(secretName)}`));
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 403) {
      throw new InvalidSourceError('NotAllowed', `Secret ${secret} (source.verify): ${access.identity} may not read it (it is read as the Application); grant it get on this Secret`, { cause: error });
    }
    if (error instanceof KubeApiError && error.status === 404) {
      throw new InvalidSourceError('VerificationFailed', `Secret ${secret} (source.verify) not found: nothing is deployed until its keys are there`, { cause: error });
    }
    throw error;
  }
  const { data } = body as { data?: Record<string, string> };
  const decoded = Object.fromEntries(Object.entries(data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  return trustedKeysFromSecret(secret, decoded);
}
