/**
 * A RestClient that acts as an Application's ServiceAccount: every request
 * carries Impersonate-User `system:serviceaccount:<ns>:<name>` and the groups a
 * real token of that ServiceAccount would have, so the API server's RBAC (and
 * admission) decides what the sync may read, apply and delete, exactly as for
 * the ServiceAccount itself. It shares the controller's connections: creating
 * one per reconcile costs nothing. The controller's own identity needs the
 * `impersonate` verb on serviceaccounts (and on the groups) for this to work.
 */
import type { RestClient } from './rest.ts';

export interface ServiceAccountIdentity {
  namespace: string;
  name: string;
}

export function serviceAccountUser(identity: ServiceAccountIdentity): string {
  return `system:serviceaccount:${identity.namespace}:${identity.name}`;
}

/** The headers that make the API server treat a request as the ServiceAccount's. */
export function impersonationHeaders(identity: ServiceAccountIdentity): Record<string, string | string[]> {
  return {
    'impersonate-user': serviceAccountUser(identity),
    'impersonate-group': ['system:serviceaccounts', `system:serviceaccounts:${identity.namespace}`, 'system:authenticated'],
  };
}

export function impersonatingClient(rest: RestClient, identity: ServiceAccountIdentity): RestClient {
  const headers = impersonationHeaders(identity);
  return {
    server: rest.server,
    request: (method, path, options = {}) => rest.request(method, path, { ...options, headers: { ...options.headers, ...headers } }),
    watch: () => {
      // Watches are the controller's own (Applications, managed objects); none runs as an Application.
      throw new Error(`watching as ${serviceAccountUser(identity)} is not supported`);
    },
    // The connections belong to the controller's client.
    close: () => undefined,
  };
}
