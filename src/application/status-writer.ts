/**
 * Writes an Application's status to its status subresource.
 *
 * Why server-side apply with the controller's record manager (`berth-controller`), not a
 * merge patch: the status subresource ignores spec anyway, but SSA records which
 * status fields the controller owns, so a field it stops sending (a finished
 * rollout's `release`, a cleared `failedRevision`) is removed, where a merge
 * patch would need an explicit null for each; and lists are replaced whole
 * (`conditions` is keyed by type in the CRD, the others are atomic). Why the
 * manager is not `berth`: see `recordFieldManager` in objects.ts. `force` is on:
 * the controller is the status's only author. Callers therefore send the whole
 * status each time.
 */
import { recordFieldManager, type KubeObject } from '../../objects.ts';
import { KubeApiError, type RestClient } from '../kube/rest.ts';
import { formatApplicationKey, type ApplicationKey } from './parse.ts';
import { apiGroup, apiVersion, applicationKind, applicationPlural } from './schema.ts';
import type { ApplicationStatus } from './status-schema.ts';

export const statusFieldManager = recordFieldManager;

/** REST path of the Applications of one namespace, of all namespaces (no namespace), or of one Application. */
export function applicationsPath(namespace?: string, name?: string): string {
  const base = `/apis/${apiGroup}/${apiVersion.slice(apiGroup.length + 1)}`;
  if (namespace === undefined) return `${base}/${applicationPlural}`;
  const collection = `${base}/namespaces/${encodeURIComponent(namespace)}/${applicationPlural}`;
  return name === undefined ? collection : `${collection}/${encodeURIComponent(name)}`;
}

export interface WriteStatusOptions {
  signal?: AbortSignal;
}

/**
 * Applies `status` as the Application's whole status. Returns the stored
 * Application, or undefined when it no longer exists (deleted meanwhile: not
 * an error for a controller). Other failures throw, naming the Application.
 */
export async function writeApplicationStatus(
  rest: RestClient,
  key: ApplicationKey,
  status: ApplicationStatus,
  options: WriteStatusOptions = {},
): Promise<KubeObject | undefined> {
  const body = { apiVersion, kind: applicationKind, metadata: { name: key.name, namespace: key.namespace }, status };
  try {
    const response = await rest.request('PATCH', `${applicationsPath(key.namespace, key.name)}/status`, {
      query: { fieldManager: statusFieldManager, force: 'true' },
      body,
      // JSON is YAML: the apply patch type takes either.
      contentType: 'application/apply-patch+yaml',
      signal: options.signal,
    });
    return response.body as KubeObject;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Application ${formatApplicationKey(key)}: status write failed: ${detail}`, { cause: error });
  }
}
