/**
 * Renders an Application's source at one commit into Kubernetes objects. The
 * kind of source comes from the spec, or is detected: a kustomization file
 * means Kustomize, a Chart.yaml means Helm, anything else a plain directory.
 * External renderers work on a snapshot of the tree in a temp folder that is
 * removed afterwards. Every result is validated (apiVersion, kind, name; no two
 * objects with one identity) and cached by (tree, commit, path, options);
 * callers get their own copy of the objects.
 *
 * A failed render throws an InvalidSourceError naming the file: the controller
 * must then neither apply nor prune.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../../objects.ts';
import type { DirectorySource, HelmSource, KustomizeSource } from '../application/source-spec.ts';
import { InvalidSourceError } from '../errors.ts';
import { renderDirectory } from './directory.ts';
import { findHelm, renderHelm } from './helm.ts';
import { findKustomize, renderKustomize, type KustomizeBinary } from './kustomize.ts';
import { checkUnique, type Manifest } from './manifests.ts';
import { normalizeTreePath, type SourceTree } from '../source/source-tree.ts';
import type { ToolLimits } from './run-tool.ts';

export const RenderKind = { Directory: 'directory', Kustomize: 'kustomize', Helm: 'helm' } as const;
export type RenderKind = (typeof RenderKind)[keyof typeof RenderKind];

export interface RenderRequest {
  tree: SourceTree;
  /** The commit the tree is; results are cached only when it is given. */
  commit?: string;
  /** The Application's path in the tree; '.' for the root. */
  path: string;
  /** At most one of these; none means detect. */
  directory?: DirectorySource | undefined;
  kustomize?: KustomizeSource | undefined;
  helm?: HelmSource | undefined;
  /** Helm's release name when the spec gives none. */
  appName: string;
  /** The destination namespace, for `helm template --namespace`. */
  namespace?: string | undefined;
}

export interface RenderResult {
  kind: RenderKind;
  manifests: Manifest[];
}

export interface RendererOptions {
  /** Helm binary (default BERTH_HELM or `helm` on PATH). */
  helmBinary?: string;
  /** Kustomize command (default: kustomize on PATH, else `kubectl kustomize`). */
  kustomize?: KustomizeBinary;
  /** Deadline of one external renderer run; default 90 s. */
  timeoutMs?: number;
  /** Bytes an external renderer may print; default 64 MiB. */
  maxOutputBytes?: number;
  /** Objects one Application may render to; default 10,000 (past that, a typo such as a recursive include is likelier than intent). */
  maxObjects?: number;
  /** Renders kept in the cache; default 256. */
  cacheEntries?: number;
  /** Where snapshots go; default the OS temp folder. */
  workDir?: string;
  /**
   * Called after each render that ran (not a cache hit) with its duration; `kind`
   * is undefined when the source type could not be told. For metrics; must not throw.
   */
  onRender?: (kind: RenderKind | undefined, seconds: number, ok: boolean) => void;
}

const kustomizationFiles = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export class Renderer {
  readonly #limits: ToolLimits;
  readonly #helm: string;
  readonly #kustomize: KustomizeBinary;
  readonly #cacheEntries: number;
  readonly #maxObjects: number;
  readonly #workDir: string;
  readonly #onRender: NonNullable<RendererOptions['onRender']>;
  /** Insertion-ordered, so the oldest entry is evicted first; holds promises so concurrent renders share one run. */
  readonly #cache = new Map<string, Promise<RenderResult>>();

  constructor(options: RendererOptions = {}) {
    this.#limits = { timeoutMs: options.timeoutMs ?? 90_000, maxOutputBytes: options.maxOutputBytes ?? 64 * 1024 * 1024 };
    this.#helm = options.helmBinary ?? findHelm();
    this.#kustomize = options.kustomize ?? findKustomize();
    this.#cacheEntries = options.cacheEntries ?? 256;
    this.#maxObjects = options.maxObjects ?? 10_000;
    this.#workDir = options.workDir ?? os.tmpdir();
    this.#onRender = options.onRender ?? (() => undefined);
  }

  async render(request: RenderRequest): Promise<RenderResult> {
    if (request.commit === undefined) return this.#timedRender(request);
    const key = createHash('sha256').update(JSON.stringify([
      request.tree.name, request.commit, request.path, request.directory, request.kustomize, request.helm,
      request.appName, request.namespace,
    ])).digest('hex');
    let entry = this.#cache.get(key);
    if (entry) {
      this.#cache.delete(key);
    } else {
      entry = this.#timedRender(request);
      // A failure is not cached: the next attempt renders again.
      entry.catch(() => this.#cache.delete(key));
    }
    this.#cache.set(key, entry);
    while (this.#cache.size > this.#cacheEntries) this.#cache.delete(this.#cache.keys().next().value ?? '');
    const result = await entry;
    return { kind: result.kind, manifests: structuredClone(result.manifests) };
  }

  /** Which renderer a path needs, from the spec or the files present. */
  async detect(request: Pick<RenderRequest, 'tree' | 'path' | 'directory' | 'kustomize' | 'helm'>): Promise<RenderKind> {
    const given = [request.directory && 'directory', request.kustomize && 'kustomize', request.helm && 'helm'].filter(Boolean);
    if (given.length > 1) throw new InvalidSourceError('InvalidManifest', `${request.path}: set at most one of directory, kustomize and helm`);
    if (given[0]) return given[0] as RenderKind;
    const appPath = normalizeTreePath(request.path);
    for (const file of kustomizationFiles) {
      if ((await request.tree.stat(path.posix.join(appPath, file))) === 'file') return 'kustomize';
    }
    if ((await request.tree.stat(path.posix.join(appPath, 'Chart.yaml'))) === 'file') return 'helm';
    return 'directory';
  }

  async #timedRender(request: RenderRequest): Promise<RenderResult> {
    const started = performance.now();
    try {
      const result = await this.#render(request);
      this.#onRender(result.kind, (performance.now() - started) / 1000, true);
      return result;
    } catch (error) {
      const kind = await this.detect(request).catch(() => undefined);
      this.#onRender(kind, (performance.now() - started) / 1000, false);
      throw error;
    }
  }

  async #render(request: RenderRequest): Promise<RenderResult> {
    let appPath: string;
    try {
      appPath = normalizeTreePath(request.path);
    } catch (error) {
      throw new InvalidSourceError('InvalidPath', `${request.path}: the path leaves the repository`, { cause: error });
    }
    const type = await request.tree.stat(appPath);
    if (type === 'symlink') throw new InvalidSourceError('InvalidPath', `${appPath}: is a symlink; Berth does not follow symlinks`);
    if (type !== 'directory') throw new InvalidSourceError('InvalidPath', `${request.tree.name}: path ${appPath || '.'} is not a folder in this revision`);

    const kind = await this.detect(request);
    const manifests = kind === 'directory'
      ? await renderDirectory(request.tree, appPath, request.directory ?? { recurse: false, include: [], exclude: [] })
      : await this.#withSnapshot(request.tree, async (snapshot, scratch) => kind === 'kustomize'
        ? renderKustomize({ snapshot, scratch, appPath, options: request.kustomize, binary: this.#kustomize, limits: this.#limits })
        : renderHelm({
          tree: request.tree, snapshot, scratch, appPath, binary: this.#helm, limits: this.#limits,
          options: request.helm ?? { valueFiles: [], parameters: [], skipCrds: false, apiVersions: [] },
          releaseName: request.helm?.releaseName ?? request.appName, namespace: request.namespace,
        }));
    if (manifests.length > this.#maxObjects) {
      throw new InvalidSourceError('InvalidManifest', `${appPath || '.'}: renders ${manifests.length} objects, more than the limit of ${this.#maxObjects} objects per Application`);
    }
    checkUnique(manifests);
    return { kind, manifests };
  }

  async #withSnapshot<T>(tree: SourceTree, work: (snapshot: string, scratch: string) => Promise<T>): Promise<T> {
    // The work folder may be a fresh cache folder (the controller's --cache-dir) that nothing created yet.
    await fs.mkdir(this.#workDir, { recursive: true });
    const scratch = await fs.mkdtemp(path.join(this.#workDir, 'berth-render-'));
    try {
      const snapshot = path.join(scratch, 'tree');
      await tree.snapshot(snapshot);
      return await work(snapshot, scratch);
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }
}

/** The objects of a render, in order. */
export function objectsOf(result: RenderResult): KubeObject[] {
  return result.manifests.map((manifest) => manifest.object);
}
