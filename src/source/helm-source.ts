/**
 * Chart and artifact sources: a chart in an HTTP(S) Helm repository (`repoURL`
 * + `chart`), a Helm chart in an OCI registry, or plain manifests pushed as an
 * OCI artifact (`flux push artifact`, `oras push`). Each resolves targetRevision
 * (version, semver range, tag, or digest) to a DIGEST, which Berth records as
 * the revision, so history and rollback name immutable content.
 *
 *   resolveRevision  reads the index (Helm: one GET per repository and
 *                    credentials per freshness window, revalidated with its
 *                    ETag) or the tags and manifest (OCI);
 *   fetch            brings the archive for a digest into the cache (by digest,
 *                    checked against it), unpacks it safely (helm-archive.ts),
 *                    and places the chart's dependencies in charts/
 *                    (helm-dependencies.ts), so the renderer never needs the network;
 *   tree             the unpacked content, read like a commit.
 *
 * The same surface as GitSource (RevisionSource), so the reconcile treats every
 * source alike. Failures are InvalidSourceError / TransientSourceError naming the
 * chart or reference.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidSourceError } from '../errors.ts';
import { LocalTree } from './local-tree.ts';
import type { NetworkPolicy } from '../policy/guarded-lookup.ts';
import { SingleFlight } from './fetch-coordinator.ts';
import type { FetchOutcome, ResolvedRevision } from './git-source.ts';
import { readTarGz, stripChartFolder, type ArchiveFile } from './helm-archive.ts';
import { credentialsFor, type CredentialTable } from './helm-credentials.ts';
import { placeDependencies } from './helm-dependencies.ts';
import { httpGet } from './helm-http.ts';
import { chartVersionsOf, chooseChartVersion, chooseTag, type ChartVersionEntry } from './helm-index.ts';
import type { HttpLimits } from './http-client.ts';
import { OciClient, ociMediaTypes, type OciManifest } from './oci-client.ts';
import { digestPattern, formatOciReference, isOciUrl, ociReferenceOf, type OciReference } from './oci-reference.ts';
import { authorizationHeader } from './repository.ts';
import type { SourceTree } from './source-tree.ts';

/** What an Application names: a repository (Helm or OCI) and, for a Helm repository, a chart. */
export interface ChartOrigin {
  repoURL: string;
  chart?: string | undefined;
  /** From the Application's credentialsSecret (helm-credentials.ts); empty: anonymous. */
  credentials: CredentialTable;
}

export interface ChartSourceOptions {
  cacheDir: string;
  requestTimeoutMs?: number;
  /** Bytes of one index.yaml; default 32 MiB. */
  maxIndexBytes?: number;
  /** Bytes of one archive, packed and unpacked; default 64 MiB. */
  maxArchiveBytes?: number;
  /** How long a Helm index or OCI tag list is reused without asking; default 10 s. */
  indexMaxAgeMs?: number;
  network?: NetworkPolicy;
  /** Plain HTTP to OCI registries (the controller's --allow-http-repos). */
  plainHttp?: boolean;
  /** Refuses a dependency URL the controller's source policy does not allow (throws). */
  checkUrl?: (url: string) => void;
  onRemote?: (operation: 'helm-index' | 'oci-resolve' | 'fetch', seconds: number, ok: boolean) => void;
}

/** Whether a source spec names a chart or OCI artifact rather than a Git repository. */
export function isChartSource(source: { repoURL: string; chart?: string | undefined }): boolean {
  return isOciUrl(source.repoURL) || source.chart !== undefined;
}

interface IndexRecord { etag: string | undefined; text: string; checkedAt: number }

const hex = (digest: string): string => digest.replace(':', '-');

/** A SourceTree over unpacked content, named by its origin and digest for messages and render keys. */
function namedTree(root: string, name: string): SourceTree {
  const local = new LocalTree(root);
  return {
    name,
    stat: (target) => local.stat(target),
    list: (directory, recursive) => local.list(directory, recursive),
    readFile: (target) => local.readFile(target),
    snapshot: (target) => local.snapshot(target),
  };
}

export class ChartSources {
  readonly #options: ChartSourceOptions & { requestTimeoutMs: number; maxIndexBytes: number; maxArchiveBytes: number; indexMaxAgeMs: number };
  readonly #oci: OciClient;
  readonly #flights = new SingleFlight();
  readonly #indexes = new Map<string, IndexRecord>();
  /** (origin and credentials, digest) pairs that were resolved with those credentials. */
  readonly #granted = new Set<string>();

  constructor(options: ChartSourceOptions) {
    this.#options = { requestTimeoutMs: 60_000, maxIndexBytes: 32 * 1024 * 1024, maxArchiveBytes: 64 * 1024 * 1024, indexMaxAgeMs: 10_000, ...options };
    this.#oci = new OciClient({ limits: this.#limits(this.#options.maxArchiveBytes), maxBlobBytes: this.#options.maxArchiveBytes, plainHttp: () => options.plainHttp ?? false });
  }

  #limits(maxBytes: number): HttpLimits {
    return { requestTimeoutMs: this.#options.requestTimeoutMs, maxBytes, ...(this.#options.network ? { network: this.#options.network } : {}) };
  }

  async #timed<T>(operation: 'helm-index' | 'oci-resolve' | 'fetch', work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await work();
      this.#options.onRemote?.(operation, (performance.now() - started) / 1000, true);
      return result;
    } catch (error) {
      this.#options.onRemote?.(operation, (performance.now() - started) / 1000, false);
      throw error;
    }
  }

  /** The Helm repository's index.yaml, shared by every caller with the same credentials for `maxAgeMs`, revalidated by ETag. */
  async helmIndex(repositoryUrl: string, credentials: CredentialTable, maxAgeMs = this.#options.indexMaxAgeMs): Promise<string> {
    const indexUrl = new URL('index.yaml', repositoryUrl.endsWith('/') ? repositoryUrl : `${repositoryUrl}/`).toString();
    const row = credentialsFor(credentials, indexUrl);
    const key = createHash('sha256').update(JSON.stringify([indexUrl, row?.credentials ?? null])).digest('hex');
    return this.#flights.run(`index:${key}:${maxAgeMs}`, async () => {
      const known = this.#indexes.get(key);
      if (known && Date.now() - known.checkedAt <= maxAgeMs) return known.text;
      const answer = await this.#timed('helm-index', () => httpGet(indexUrl, {
        where: `${repositoryUrl} index.yaml`, limits: this.#limits(this.#options.maxIndexBytes), accept: [304],
        headers: { ...authorizationHeader(row?.credentials), ...(known?.etag ? { 'if-none-match': known.etag } : {}) },
      }));
      const text = answer.status === 304 && known ? known.text : answer.body.toString('utf8');
      this.#indexes.set(key, { etag: answer.headers.etag, text, checkedAt: Date.now() });
      while (this.#indexes.size > 256) this.#indexes.delete(this.#indexes.keys().next().value ?? '');
      return text;
    });
  }

  /** The entry of `chart` that `revision` names in a Helm repository (a version, range, or a recorded digest). */
  async helmEntry(repositoryUrl: string, chart: string, revision: string, credentials: CredentialTable, maxAgeMs?: number): Promise<ChartVersionEntry> {
    const where = `${repositoryUrl} chart ${chart}`;
    const versions = chartVersionsOf(await this.helmIndex(repositoryUrl, credentials, maxAgeMs), chart, where);
    if (digestPattern.test(revision)) {
      const entry = versions.find((candidate) => candidate.digest !== undefined && `sha256:${candidate.digest}` === revision);
      if (!entry) throw new InvalidSourceError('RevisionNotFound', `${where}: no version with digest ${revision} is listed any more`);
      return entry;
    }
    return chooseChartVersion(versions, revision, where);
  }

  /** Downloads a chart archive an index entry names (credentials by its own URL), checked against the entry's digest. */
  async helmArchive(repositoryUrl: string, entry: ChartVersionEntry, credentials: CredentialTable): Promise<{ digest: string; archive: Buffer }> {
    const cached = entry.digest ? await this.#readBlob(`sha256:${entry.digest}`) : undefined;
    if (cached && entry.digest) return { digest: `sha256:${entry.digest}`, archive: cached };
    const archiveUrl = new URL(entry.urls[0] ?? '', repositoryUrl.endsWith('/') ? repositoryUrl : `${repositoryUrl}/`).toString();
    this.#options.checkUrl?.(archiveUrl);
    const row = credentialsFor(credentials, archiveUrl);
    const answer = await this.#timed('fetch', () => httpGet(archiveUrl, {
      where: `${repositoryUrl} chart ${entry.name} ${entry.version}`, limits: this.#limits(this.#options.maxArchiveBytes), headers: authorizationHeader(row?.credentials),
    }));
    const digest = `sha256:${createHash('sha256').update(answer.body).digest('hex')}`;
    if (entry.digest && digest !== `sha256:${entry.digest}`) {
      throw new InvalidSourceError('InvalidManifest', `${archiveUrl}: the archive does not match the digest sha256:${entry.digest} the index lists`);
    }
    await this.#writeBlob(digest, answer.body);
    return { digest, archive: answer.body };
  }

  /** The digest and manifest `revision` names in an OCI repository (a digest, a tag, a semver range over tags). */
  async ociManifest(reference: OciReference, revision: string, credentials: CredentialTable): Promise<{ digest: string; manifest: OciManifest; tag?: string }> {
    const row = credentialsFor(credentials, formatOciReference(reference))?.credentials;
    const wanted = revision === 'HEAD' && (reference.digest ?? reference.tag) !== undefined ? (reference.digest ?? reference.tag ?? '') : revision;
    return this.#timed('oci-resolve', async () => {
      if (digestPattern.test(wanted)) return this.#remember(reference, await this.#oci.manifest(reference, wanted, row));
      const tags = await this.#oci.listTags(reference, row);
      const tag = tags.includes(wanted) ? wanted : chooseTag(tags, wanted, formatOciReference(reference));
      return { ...this.#remember(reference, await this.#oci.manifest(reference, tag, row)), tag };
    });
  }

  /** Manifests by digest, so the fetch after a resolve does not ask again (content-addressed: never stale). */
  readonly #manifests = new Map<string, OciManifest>();

  #remember(reference: OciReference, found: { digest: string; manifest: OciManifest }): { digest: string; manifest: OciManifest } {
    this.#manifests.set(`${reference.host}/${reference.repository}@${found.digest}`, found.manifest);
    while (this.#manifests.size > 256) this.#manifests.delete(this.#manifests.keys().next().value ?? '');
    return found;
  }

  /** A manifest this process already read and checked against `digest`, if any. */
  knownManifest(reference: OciReference, digest: string): OciManifest | undefined {
    return this.#manifests.get(`${reference.host}/${reference.repository}@${digest}`);
  }

  /** A binding of one Application's origin, with GitSource's surface. */
  bind(origin: ChartOrigin): BoundChartSource {
    return new BoundChartSource(this, origin);
  }

  get cacheDir(): string {
    return this.#options.cacheDir;
  }

  get oci(): OciClient {
    return this.#oci;
  }

  get maxArchiveBytes(): number {
    return this.#options.maxArchiveBytes;
  }

  checkUrl(url: string): void {
    this.#options.checkUrl?.(url);
  }

  granted(key: string): boolean {
    return this.#granted.has(key);
  }

  grant(key: string): void {
    this.#granted.add(key);
  }

  async #readBlob(digest: string): Promise<Buffer | undefined> {
    const data = await fs.readFile(path.join(this.#options.cacheDir, 'blobs', hex(digest))).catch(() => undefined);
    if (!data) return undefined;
    // A corrupt cache entry is refetched, never used.
    return `sha256:${createHash('sha256').update(data).digest('hex')}` === digest ? data : undefined;
  }

  async #writeBlob(digest: string, data: Buffer): Promise<void> {
    const folder = path.join(this.#options.cacheDir, 'blobs');
    await fs.mkdir(folder, { recursive: true });
    const temp = path.join(folder, `${hex(digest)}.${process.pid}.${Math.random().toString(36).slice(2)}`);
    await fs.writeFile(temp, data);
    await fs.rename(temp, path.join(folder, hex(digest)));
  }

  readBlob(digest: string): Promise<Buffer | undefined> {
    return this.#readBlob(digest);
  }

  writeBlob(digest: string, data: Buffer): Promise<void> {
    return this.#writeBlob(digest, data);
  }
}

/** The unpacked tree of a revision, written once under the cache (atomically: a temp folder renamed). */
async function writeTree(folder: string, files: readonly ArchiveFile[]): Promise<void> {
  const temp = `${folder}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  for (const file of files) {
    const target = path.join(temp, file.path);
    if (!target.startsWith(`${temp}${path.sep}`)) throw new InvalidSourceError('InvalidPath', `${file.path}: leaves the archive`);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, file.data, { mode: 0o644 });
  }
  await fs.mkdir(temp, { recursive: true });
  await fs.rename(temp, folder).catch(async (error: unknown) => {
    // Another caller unpacked the same digest first: theirs is the same content.
    await fs.rm(temp, { recursive: true, force: true });
    if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
}

export class BoundChartSource {
  readonly #sources: ChartSources;
  readonly #origin: ChartOrigin;
  readonly #oci: OciReference | undefined;
  /** How messages and render keys name the source. */
  readonly name: string;

  constructor(sources: ChartSources, origin: ChartOrigin) {
    this.#sources = sources;
    this.#origin = origin;
    this.#oci = isOciUrl(origin.repoURL) ? ociReferenceOf(origin.repoURL, origin.chart) : undefined;
    this.name = this.#oci ? formatOciReference({ host: this.#oci.host, repository: this.#oci.repository }) : `${origin.repoURL} chart ${origin.chart ?? ''}`;
    if (!this.#oci) {
      let url: URL;
      try {
        url = new URL(origin.repoURL);
      } catch (error) {
        throw new InvalidSourceError('InvalidURL', `${origin.repoURL}: not a valid URL`, { cause: error });
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidSourceError('InvalidURL', `${origin.repoURL}: a Helm repository is an https:// URL (or oci://)`);
      if (!origin.chart || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(origin.chart)) throw new InvalidSourceError('InvalidURL', `${origin.repoURL}: chart ${JSON.stringify(origin.chart ?? '')} is not a chart name`);
    }
  }

  #grantKey(digest: string): string {
    return createHash('sha256').update(JSON.stringify([this.name, this.#origin.credentials.map((row) => [row.prefix, row.credentials]), digest])).digest('hex');
  }

  async resolveRevision(_repository: unknown, targetRevision: string, options: { maxAgeMs?: number } = {}): Promise<ResolvedRevision> {
    const kind = digestPattern.test(targetRevision) ? 'commit' as const : /^[\w.-]+$/.test(targetRevision) && !['HEAD', 'latest'].includes(targetRevision) ? 'tag' as const : 'semver' as const;
    if (this.#oci) {
      const { digest, tag } = await this.#sources.ociManifest(this.#oci, targetRevision, this.#origin.credentials);
      this.#sources.grant(this.#grantKey(digest));
      return { url: this.name, targetRevision, kind, ref: undefined, commit: digest, ...(tag ? { tag } : {}) };
    }
    const entry = await this.#sources.helmEntry(this.#origin.repoURL, this.#origin.chart ?? '', targetRevision, this.#origin.credentials, options.maxAgeMs);
    const digest = entry.digest ? `sha256:${entry.digest}` : (await this.#sources.helmArchive(this.#origin.repoURL, entry, this.#origin.credentials)).digest;
    this.#sources.grant(this.#grantKey(digest));
    return { url: this.name, targetRevision, kind, ref: undefined, commit: digest, tag: entry.version };
  }

  #folder(digest: string): string {
    return path.join(this.#sources.cacheDir, 'trees', hex(digest));
  }

  async fetch(_repository: unknown, target: Pick<ResolvedRevision, 'commit'>): Promise<FetchOutcome> {
    const digest = target.commit;
    if (!digestPattern.test(digest)) throw new InvalidSourceError('RevisionNotFound', `${this.name}: ${digest} is not a digest`);
    // A digest unpacked for another Application is served only after these credentials resolved it too.
    if (!this.#sources.granted(this.#grantKey(digest))) await this.resolveRevision(undefined, digest);
    const folder = this.#folder(digest);
    if (await fs.stat(folder).then(() => true, () => false)) return { commit: digest, forced: false, transferred: false, bytes: 0 };
    const files = await this.#unpacked(digest);
    await placeDependencies(files, { sources: this.#sources, credentials: this.#origin.credentials, name: `${this.name}@${digest}` });
    await writeTree(folder, files);
    return { commit: digest, forced: false, transferred: true, bytes: files.reduce((sum, file) => sum + file.data.length, 0) };
  }

  /** The files a digest holds: a chart without its top folder, or an artifact's layers. */
  async #unpacked(digest: string): Promise<ArchiveFile[]> {
    const name = `${this.name}@${digest}`;
    const limits = { maxBytes: this.#sources.maxArchiveBytes, maxEntries: 10_000 };
    if (!this.#oci) {
      const entry = await this.#sources.helmEntry(this.#origin.repoURL, this.#origin.chart ?? '', digest, this.#origin.credentials)
        .catch(async (error: unknown) => {
          // An index without digests: the archive was hashed when resolved and is cached by that hash.
          if (await this.#sources.readBlob(digest)) return undefined;
          throw error;
        });
      const archive = entry ? (await this.#sources.helmArchive(this.#origin.repoURL, entry, this.#origin.credentials)).archive : await this.#sources.readBlob(digest);
      return stripChartFolder(readTarGz(archive ?? Buffer.alloc(0), name, limits), name).files;
    }
    const reference = this.#oci;
    const row = credentialsFor(this.#origin.credentials, formatOciReference(reference))?.credentials;
    const manifest = this.#sources.knownManifest(reference, digest) ?? (await this.#sources.oci.manifest(reference, digest, row)).manifest;
    const blob = async (layer: OciManifest['layers'][number]): Promise<Buffer> => {
      const cached = await this.#sources.readBlob(layer.digest);
      if (cached) return cached;
      const data = await this.#sources.oci.blob(reference, layer, row);
      await this.#sources.writeBlob(layer.digest, data);
      return data;
    };
    if (manifest.config.mediaType === ociMediaTypes.helmConfig) {
      const layer = manifest.layers.find((candidate) => candidate.mediaType === ociMediaTypes.helmChart);
      if (!layer) throw new InvalidSourceError('InvalidManifest', `${name}: a Helm chart manifest without a ${ociMediaTypes.helmChart} layer`);
      return stripChartFolder(readTarGz(await blob(layer), name, limits), name).files;
    }
    const files: ArchiveFile[] = [];
    let total = 0;
    for (const layer of manifest.layers) {
      total += layer.size;
      if (total > limits.maxBytes) throw new InvalidSourceError('FetchTooLarge', `${name}: the layers are more than ${limits.maxBytes} bytes together`);
      const title = layer.annotations?.['org.opencontainers.image.title'];
      const isTar = layer.mediaType === ociMediaTypes.fluxContent || layer.annotations?.['io.deis.oras.content.unpack'] === 'true' || /\.tar\+gzip$|tar\.gz$/.test(layer.mediaType);
      if (isTar) {
        // oras packs a pushed folder under its own name: `oras push ref manifests/` unpacks to manifests/.
        const prefix = layer.annotations?.['io.deis.oras.content.unpack'] === 'true' && title ? `${title.replace(/\/+$/, '')}/` : '';
        files.push(...readTarGz(await blob(layer), `${name} layer ${layer.digest}`, limits).map((file) => ({ ...file, path: `${prefix}${file.path}` })));
      } else if (title) {
        if (title.startsWith('/') || title.split('/').includes('..')) throw new InvalidSourceError('InvalidPath', `${name}: layer title ${JSON.stringify(title)} leaves the artifact`);
        files.push({ path: title, data: await blob(layer), mode: 0o644 });
      }
    }
    if (files.length === 0) throw new InvalidSourceError('InvalidManifest', `${name}: the artifact has no file layers (a titled layer, or a tar+gzip one)`);
    return files;
  }

  tree(_repository: unknown, digest: string): Promise<SourceTree> {
    return Promise.resolve(namedTree(this.#folder(digest), `${this.name}@${digest}`));
  }

  /** Digests have no history to share: every one is its own. */
  sharesHistory(): Promise<boolean | undefined> {
    return Promise.resolve(true);
  }

  /** Unknown: a new digest may change anything (so the changed-path filter never skips one). */
  changedPaths(): Promise<string[] | undefined> {
    return Promise.resolve(undefined);
  }
}
