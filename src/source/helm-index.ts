/**
 * A Helm repository's index.yaml, read as hostile input: parsed with the YAML
 * core schema (no custom tags), validated entry by entry, and only the chart asked
 * for is kept. `chooseChartVersion` turns a targetRevision into one entry: an exact
 * version, a semver range (the highest match wins, pre-releases only when the
 * range asks for them, as helm does), or `HEAD`/`latest`/`*` for the newest
 * stable version. Pure.
 */
import { load } from 'js-yaml';
import semver from 'semver';
import { z } from 'zod';
import { InvalidSourceError } from '../errors.ts';

const entrySchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  urls: z.array(z.string().min(1)).min(1),
  digest: z.string().regex(/^[a-f0-9]{64}$/).optional(),
});
export type ChartVersionEntry = z.infer<typeof entrySchema>;

const indexSchema = z.object({
  apiVersion: z.string().optional(),
  entries: z.record(z.string(), z.array(z.unknown()).nullable()).optional(),
});

/** The versions of `chart` an index lists (invalid entries are skipped: one bad entry must not hide the rest). */
export function chartVersionsOf(indexText: string, chart: string, where: string): ChartVersionEntry[] {
  let parsed: unknown;
  try {
    parsed = load(indexText, { json: true });
  } catch (error) {
    throw new InvalidSourceError('InvalidManifest', `${where}: index.yaml is not YAML: ${(error as Error).message.split('\n')[0] ?? ''}`, { cause: error });
  }
  const index = indexSchema.safeParse(parsed);
  if (!index.success || index.data.entries === undefined) {
    throw new InvalidSourceError('InvalidManifest', `${where}: index.yaml has no entries (is repoURL a Helm repository?)`);
  }
  const listed = Object.hasOwn(index.data.entries, chart) ? index.data.entries[chart] ?? [] : [];
  const versions: ChartVersionEntry[] = [];
  for (const raw of listed) {
    const entry = entrySchema.safeParse(raw);
    if (entry.success && entry.data.name === chart) versions.push(entry.data);
  }
  return versions;
}

const newest = new Set(['HEAD', 'latest', '*', '']);

/** The entry `targetRevision` names among `versions`; a RevisionNotFound error says what is there. */
export function chooseChartVersion(versions: readonly ChartVersionEntry[], targetRevision: string, where: string): ChartVersionEntry {
  const wanted = targetRevision.trim();
  const exact = versions.find((entry) => entry.version === wanted || entry.version === wanted.replace(/^v/, ''));
  if (exact) return exact;
  const range = newest.has(wanted) ? '*' : semver.validRange(wanted, { loose: true });
  if (range === null) {
    throw new InvalidSourceError('RevisionNotFound', `${where}: no version ${wanted} (${describeVersions(versions)})`);
  }
  const byVersion = new Map<string, ChartVersionEntry>();
  for (const entry of versions) {
    const version = semver.valid(entry.version, { loose: true });
    if (version !== null && !byVersion.has(version)) byVersion.set(version, entry);
  }
  const best = semver.maxSatisfying([...byVersion.keys()], range, { loose: true });
  const chosen = best === null ? undefined : byVersion.get(best);
  if (!chosen) throw new InvalidSourceError('RevisionNotFound', `${where}: no version matches ${wanted} (${describeVersions(versions)})`);
  return chosen;
}

/** The highest tag matching `targetRevision` among an OCI repository's tags (`+` is stored as `_`, as helm pushes it). */
export function chooseTag(tags: readonly string[], targetRevision: string, where: string): string {
  const entries = tags.map((tag) => ({ name: '', version: tag.replace(/_/g, '+'), urls: [tag] }));
  return chooseChartVersion(entries, targetRevision, where).urls[0] ?? '';
}

function describeVersions(versions: readonly ChartVersionEntry[]): string {
  if (versions.length === 0) return 'the repository lists no version of this chart';
  const shown = versions.slice(0, 5).map((entry) => entry.version).join(', ');
  return `${versions.length} listed: ${shown}${versions.length > 5 ? ', ...' : ''}`;
}
