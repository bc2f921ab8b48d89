/**
 * The Git credentials of one Application, read as the Application: its
 * credentialsSecret is fetched through the client that acts as it (its
 * ServiceAccount by impersonation when it has one, else the controller), always
 * from the Application's own namespace (the spec holds a DNS name only), and
 * used only within the Secret's URL prefixes; without a Secret, the
 * controller-wide credentials are used only for --git-credential-hosts
 * (credential-scope.ts decides both). A refusal is an InvalidSourceError that
 * names the Secret, so the Application shows why and nothing is sent.
 */
import { KubeApiError, type RestClient } from '../kube/rest.ts';
import { InvalidSourceError } from '../errors.ts';
import { credentialsFromSecretData, type GitCredentials } from './repository.ts';
import { mayUseControllerCredentials, secretScopeProblem } from './credential-scope.ts';

export interface CredentialsRequest {
  /** The Application's namespace. */
  namespace: string;
  /** spec.source.credentialsSecret. */
  secretName: string | undefined;
  repoURL: string;
}

export interface CredentialSources {
  /** The client that reads as the Application. */
  reader: RestClient;
  /** Who `reader` is, for messages: `system:serviceaccount:team-a:deployer`, `the controller`. */
  identity: string;
  /** BERTH_GIT_TOKEN / BERTH_GIT_USERNAME / BERTH_GIT_PASSWORD. */
  environment: GitCredentials | undefined;
  /** --git-credential-hosts. */
  gitCredentialHosts: readonly string[];
  /** --ssh-trust-on-first-use: an SSH Secret may then omit knownHosts. */
  sshTrustOnFirstUse?: boolean;
}

const secretNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export async function applicationCredentials(request: CredentialsRequest, sources: CredentialSources): Promise<GitCredentials | undefined> {
  const { namespace, secretName, repoURL } = request;
  if (secretName === undefined) {
    return mayUseControllerCredentials(repoURL, sources.gitCredentialHosts) ? sources.environment : undefined;
  }
  const secret = `${namespace}/${secretName}`;
  // The schema allows only DNS names; checked again here because this is where a `/` would change which object is read.
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
  const problem = secretScopeProblem(secret, metadata?.annotations, repoURL);
  if (problem) throw new InvalidSourceError('NotAllowed', problem);
  const decoded = Object.fromEntries(Object.entries(data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  return credentialsFromSecretData(secret, decoded, { trustOnFirstUse: sources.sshTrustOnFirstUse ?? false });
}
