/**
 * The poll key of a chart or OCI source: every Application naming the same
 * chart in the same repository (however its URL is spelled) shares one poll
 * scheduler, and so one index or tag read per tick. Pure.
 */
import { normalizeOciRepository, ociReferenceOf } from './oci-reference.ts';
import { comparableUrl } from './helm-credentials.ts';

/** `oci://host/path/name`, or `https://host/path/#chart`; undefined for a Git source (or one that does not parse: the reconcile reports it). */
export function chartPollKey(source: { repoURL: string; chart?: string | undefined }): string | undefined {
  if (/^oci:\/\//i.test(source.repoURL.trim())) {
    try {
      const { host, repository } = ociReferenceOf(source.repoURL, source.chart);
      return normalizeOciRepository(`oci://${host}/${repository}`);
    } catch {
      return undefined;
    }
  }
  if (source.chart === undefined) return undefined;
  const url = comparableUrl(source.repoURL);
  return url === undefined ? undefined : `${url}#${source.chart}`;
}
