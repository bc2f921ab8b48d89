/**
 * A chart's dependencies (Chart.yaml `dependencies`, pinned by Chart.lock when
 * it names them), resolved and fetched by Berth before any renderer runs, with
 * the same credential table as the chart itself (the longest matching URL
 * prefix; a URL no row matches gets none), the same network policy and caps,
 * and cached by digest. Each becomes `charts/<name>-<version>.tgz`, where
 * `helm template` reads it: helm never runs `dependency build` and never
 * reaches the network (the renderer has none).
 *
 * A dependency already in charts/, or from `file://`, is left as it is. A
 * repository alias (`@stable`, `alias:stable`) names a repository Berth does not
 * know: refused with the URL form to use.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { InvalidSourceError } from '../errors.ts';
import type { ArchiveFile } from './helm-archive.ts';
import { credentialsFor, type CredentialTable } from './helm-credentials.ts';
import type { ChartVersionEntry } from './helm-index.ts';
import { isOciUrl, parseOciReference, type OciReference } from './oci-reference.ts';
import { ociMediaTypes, type OciClient, type OciManifest } from './oci-client.ts';

/** What fetching dependencies needs of ChartSources (helm-source.ts), narrowed so the two files do not import each other. */
export interface DependencyFetcher {
  helmEntry(repositoryUrl: string, chart: string, revision: string, credentials: CredentialTable): Promise<ChartVersionEntry>;
  helmArchive(repositoryUrl: string, entry: ChartVersionEntry, credentials: CredentialTable): Promise<{ digest: string; archive: Buffer }>;
  ociManifest(reference: OciReference, revision: string, credentials: CredentialTable): Promise<{ digest: string; manifest: OciManifest; tag?: string }>;
  readBlob(digest: string): Promise<Buffer | undefined>;
  writeBlob(digest: string, data: Buffer): Promise<void>;
  checkUrl(url: string): void;
  readonly oci: OciClient;
}

export interface ChartDependency {
  name: string;
  version: string;
  repository: string;
}

interface DependencyContext {
  sources: DependencyFetcher;
  credentials: CredentialTable;
  /** The chart, for messages. */
  name: string;
}

function yamlOf(files: readonly ArchiveFile[], file: string, where: string): unknown {
  const found = files.find((candidate) => candidate.path === file);
  if (!found) return undefined;
  try {
    return load(found.data.toString('utf8'), { json: true });
  } catch (error) {
    throw new InvalidSourceError('InvalidManifest', `${where}: ${file} is not YAML`, { cause: error });
  }
}

function dependencyList(value: unknown): ChartDependency[] {
  const list = (value as { dependencies?: unknown } | null)?.dependencies;
  if (!Array.isArray(list)) return [];
  return list.flatMap((raw) => {
    const dep = raw as Partial<Record<keyof ChartDependency, unknown>> | null;
    return dep && typeof dep.name === 'string' && typeof dep.repository === 'string'
      ? [{ name: dep.name, version: typeof dep.version === 'string' ? dep.version : '*', repository: dep.repository }]
      : [];
  });
}

/** The dependencies to fetch, with Chart.lock's versions where it pins them. Pure. */
export function dependenciesToFetch(files: readonly ArchiveFile[], where: string): ChartDependency[] {
  const declared = dependencyList(yamlOf(files, 'Chart.yaml', where) ?? yamlOf(files, 'requirements.yaml', where));
  const locked = dependencyList(yamlOf(files, 'Chart.lock', where) ?? yamlOf(files, 'requirements.lock', where));
  const present = new Set(files.filter((file) => file.path.startsWith('charts/')).map((file) => file.path.split('/')[1] ?? ''));
  const out: ChartDependency[] = [];
  for (const dependency of declared) {
    if (dependency.repository === '' || dependency.repository.startsWith('file://')) continue;
    if (present.has(dependency.name) || [...present].some((entry) => entry.startsWith(`${dependency.name}-`) && entry.endsWith('.tgz'))) continue;
    if (dependency.repository.startsWith('@') || dependency.repository.startsWith('alias:')) {
      throw new InvalidSourceError('InvalidManifest', `${where}: dependency ${dependency.name} names the repository alias ${dependency.repository}; Berth knows no aliases: write the repository's URL (https://... or oci://...)`);
    }
    if (!/^(https?|oci):\/\//i.test(dependency.repository)) {
      throw new InvalidSourceError('InvalidURL', `${where}: dependency ${dependency.name}: repository ${JSON.stringify(dependency.repository)} is not an https://, oci:// or file:// URL`);
    }
    const pin = locked.find((entry) => entry.name === dependency.name && entry.repository === dependency.repository);
    out.push(pin ? { ...dependency, version: pin.version } : dependency);
  }
  return out;
}

/** Fetches every dependency to fetch and adds it to `files` as charts/<name>-<version>.tgz. */
export async function placeDependencies(files: ArchiveFile[], context: DependencyContext): Promise<void> {
  for (const dependency of dependenciesToFetch(files, context.name)) {
    const where = `${context.name}: dependency ${dependency.name} from ${dependency.repository}`;
    try {
      context.sources.checkUrl(dependency.repository);
    } catch (error) {
      throw new InvalidSourceError('NotAllowed', `${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const { version, archive } = isOciUrl(dependency.repository)
      ? await fromOci(dependency, context)
      : await fromHelmRepository(dependency, context);
    files.push({ path: `charts/${dependency.name}-${version}.tgz`, data: archive, mode: 0o644 });
  }
}

async function fromHelmRepository(dependency: ChartDependency, context: DependencyContext): Promise<{ version: string; archive: Buffer }> {
  const entry = await context.sources.helmEntry(dependency.repository, dependency.name, dependency.version, context.credentials);
  const { archive } = await context.sources.helmArchive(dependency.repository, entry, context.credentials);
  return { version: entry.version, archive };
}

async function fromOci(dependency: ChartDependency, context: DependencyContext): Promise<{ version: string; archive: Buffer }> {
  const base = parseOciReference(dependency.repository);
  const reference = parseOciReference(`oci://${base.host}/${base.repository}/${dependency.name}`);
  const { manifest, tag } = await context.sources.ociManifest(reference, dependency.version, context.credentials);
  const layer = manifest.layers.find((candidate) => candidate.mediaType === ociMediaTypes.helmChart);
  if (manifest.config.mediaType !== ociMediaTypes.helmConfig || !layer) {
    throw new InvalidSourceError('InvalidManifest', `${context.name}: dependency ${dependency.name} at ${dependency.repository} is not a Helm chart`);
  }
  const row = credentialsFor(context.credentials, dependency.repository)?.credentials;
  const archive = await context.sources.readBlob(layer.digest) ?? await context.sources.oci.blob(reference, layer, row);
  await context.sources.writeBlob(layer.digest, archive);
  return { version: (tag ?? dependency.version).replace(/_/g, '+'), archive };
}

/**
 * The same for a chart folder on disk (a chart in a Git repository, in the
 * renderer's snapshot): its missing dependencies are fetched and written to
 * `<chartDir>/charts/` before helm runs.
 */
export async function placeDependenciesInFolder(chartDir: string, context: Omit<DependencyContext, 'credentials'> & { credentials: () => Promise<CredentialTable> }): Promise<void> {
  const read = async (file: string): Promise<ArchiveFile[]> => {
    const data = await fs.readFile(path.join(chartDir, file)).catch(() => undefined);
    return data ? [{ path: file, data, mode: 0o644 }] : [];
  };
  const present = (await fs.readdir(path.join(chartDir, 'charts')).catch(() => [] as string[])).map((name) => ({ path: `charts/${name}`, data: Buffer.alloc(0), mode: 0o644 }));
  const files: ArchiveFile[] = [...await read('Chart.yaml'), ...await read('requirements.yaml'), ...await read('Chart.lock'), ...await read('requirements.lock'), ...present];
  const before = files.length;
  // The Application's Secret is read only for a chart that has something to fetch.
  if (dependenciesToFetch(files, context.name).length === 0) return;
  await placeDependencies(files, { ...context, credentials: await context.credentials() });
  if (files.length === before) return;
  await fs.mkdir(path.join(chartDir, 'charts'), { recursive: true });
  for (const file of files.slice(before)) await fs.writeFile(path.join(chartDir, file.path), file.data, { mode: 0o644 });
}
