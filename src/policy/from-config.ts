/** The security policy a controller's configuration asks for (flags and BERTH_* variables). */
import type { ControllerConfig } from '../config/controller-config.ts';
import type { SecurityPolicy } from './policy.ts';

export function securityPolicyOf(config: ControllerConfig): SecurityPolicy {
  const { allowedRepos, allowedDestinations, allowClusterScoped, allowHttpRepos, allowPrivateRepos, allowLinkLocalRepos } = config;
  return { allowedRepos, allowedDestinations, allowClusterScoped, allowHttpRepos, allowPrivateRepos, allowLinkLocalRepos };
}

/**
 * The ServiceAccount an Application syncs as: its own serviceAccountName, else
 * the controller's --default-service-account; undefined means the controller's
 * own identity (no impersonation).
 */
export function serviceAccountOf(spec: { serviceAccountName: string | undefined }, config: Pick<ControllerConfig, 'defaultServiceAccount'>): string | undefined {
  return spec.serviceAccountName ?? config.defaultServiceAccount;
}
