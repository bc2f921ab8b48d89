/**
 * The credential table of a chart or OCI source (helm-credentials.ts), read as
 * the Application: its credentialsSecret, fetched through the client that acts
 * as it, from its own namespace, with the same refusals as Git credentials
 * (application-credentials.ts): a Secret it may not read, or one bound by
 * `berth.dev/repo-url-prefixes` to other URLs, names the Secret and sends nothing.
 * Without a Secret the table is empty: anonymous pulls only.
 */
import { InvalidSourceError } from '../errors.ts';
import { KubeApiError } from '../kube/rest.ts';
import type { CredentialSources } from './application-credentials.ts';
import { secretScopeProblem } from './credential-scope.ts';
import { credentialTableFromSecret, type CredentialTable } from './helm-credentials.ts';
import { isOciUrl, normalizeOciRepository } from './oci-reference.ts';

const secretNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export async function chartCredentialTable(request: { namespace: string; secretName: string | undefined; repoURL: string }, sources: Pick<CredentialSources, 'reader' | 'identity'>): Promise<CredentialTable> {
  const { namespace, secretName, repoURL } = request;
  if (secretName === undefined) return [];
  const secret = `${namespace}/${secretName}`;
  if (!secretNamePattern.test(secretName) || secretName.length > 253) {
    throw new InvalidSourceError('NotAllowed', `credentialsSecret ${JSON.stringify(secretName)}: must be the name of a Secret in the Application's namespace`);
  }
  let body: unknown;
  try {
    ({ body } = await sources.reader.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(secretName)}`));
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 403) {
      throw new InvalidSourceError('NotAllowed', `Secret ${secret}: ${sources.identity} may not read it (credentialsSecret is read as the Application); grant it get on this Secret`, { cause: error });
    }
    if (error instanceof KubeApiError && error.status === 404) {
      throw new InvalidSourceError('AuthenticationFailed', `Secret ${secret} (credentialsSecret) not found`, { cause: error });
    }
    throw error;
  }
  const { data, metadata } = body as { data?: Record<string, string>; metadata?: { annotations?: Record<string, string> } };
  const problem = secretScopeProblem(secret, metadata?.annotations, isOciUrl(repoURL) ? `${normalizeOciRepository(repoURL) ?? repoURL}/` : repoURL);
  if (problem) throw new InvalidSourceError('NotAllowed', problem);
  const decoded = Object.fromEntries(Object.entries(data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  return credentialTableFromSecret(secret, decoded, metadata?.annotations, repoURL);
}
