/**
 * Renders an Application's source at one commit into Kubernetes objects. The
 * kind of source comes from the spec, or is detected: a kustomization file
 * means Kustomize, a Chart.yaml means Helm, anything else a plain directory.
 * External renderers work on a snapshot of the tree in a temp folder that is
 * removed afterwards. Every result is validated (apiVersion, kind, name; no two
 * objects with one identity) and cached by (tree, commit, path, options, and
 * for a chart the cluster's version and API versions); callers get their own
 * copy of the objects. Helm and Kustomize renders are also kept in a shared,
 * durable RenderStore when one is given (the controller's Redis): a chart with a
 * random value renders once per set of inputs for every replica and restart,
 * instead of showing drift each time helm runs again (issue 21).
 *
 * A failed render throws an InvalidSourceError naming the file: the controller
 * must then neither apply nor prune.
 *
 * The sandbox (issue #13): external renderers run under a memory and CPU limit
 * with no network (run-tool.ts); remote kustomize bases are refused before
 * kustomize runs unless allowed (kustomize-remote.ts); the snapshot they read
 * has no executable file; and one Application's render reads and prints at most
 * `maxRenderBytes`, all files together.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../../objects.ts';
import type { DirectorySource, HelmSource, KustomizeSource } from '../application/source-spec.ts';
import { InvalidSourceError, TransientSourceError } from '../errors.ts';
import { renderDirectory } from './directory.ts';
import { findHelm, needsCluster, renderHelm, type HelmCapabilities } from './helm.ts';
import { findKustomize, renderKustomize, type KustomizeBinary } from './kustomize.ts';
import { checkRemoteEntries, findRemoteEntries, kustomizationFiles, type RemoteBasePolicy } from './kustomize-remote.ts';
import { checkUnique, type Manifest } from './manifests.ts';
import type { RenderStore } from './render-store.ts';
import { normalizeTreePath, type SourceTree } from '../source/source-tree.ts';
import { createToolSlots, type ToolLimits } from './run-tool.ts';
import { defaultSecurityPolicy } from '../policy/policy.ts';

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
  /**
   * Places a chart's remote dependencies in `<chartDir>/charts/` before helm runs
   * (source/helm-dependencies.ts, with the Application's credentials): Berth
   * fetches them, so helm never needs the network it does not have.
   */
  chartDependencies?: ((chartDir: string) => Promise<void>) | undefined;
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
  /** Bytes an external renderer may print; default 64 MiB (and never more than maxRenderBytes). */
  maxOutputBytes?: number;
  /** Memory one renderer process may commit (RLIMIT_DATA; GOMEMLIMIT at 3/4 of it); default 512 MiB; 0 for none. */
  memoryLimitBytes?: number;
  /** CPU seconds one renderer process may use; default 60; 0 for none. */
  cpuSeconds?: number;
  /** Renderer processes (helm, kustomize) running at once; default 2, so renders together take at most this many times memoryLimitBytes. */
  toolConcurrency?: number;
  /** Manifest bytes one Application's render may read (plain files) or print (helm, kustomize), all together; default 64 MiB. */
  maxRenderBytes?: number;
  /** URL globs of remote kustomize resources and bases a render may fetch; default none. */
  allowedRemoteBases?: readonly string[];
  /** The Git client's address rules, which admitted remote bases must pass too; default Berth's default policy. */
  networkPolicy?: RemoteBasePolicy;
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
  /**
   * The destination cluster's version and API versions, for helm's `--kube-version`
   * and `--api-versions` where the spec sets none (the controller's, from
   * discovery). Unset (`berth render`): helm's built-in defaults.
   */
  clusterCapabilities?: () => Promise<HelmCapabilities>;
  /**
   * Where Helm and Kustomize renders of a commit are kept beyond this process,
   * consulted before a renderer runs (the controller's, in Redis). Unset
   * (`berth render`): only the in-memory cache.
   */
  store?: RenderStore;
}

/** How often a render served from memory tells the store it is still in use. */
const touchEveryMs = 3600_000;

/**
 * The key of a render: a digest of every input that can change its result. A
 * missing input would make the shared store serve one Application's render of
 * other inputs (stale objects), so everything the render reads from the request
 * is here: the tree (repository and commit), the path, the source options, the
 * release name and namespace helm templates see, and the cluster capabilities
 * helm was given. Not here: the renderer binaries, so that upgrading Berth does
 * not re-render (and so re-randomize) every chart; a new helm takes effect at
 * the next commit or when the entry expires.
 */
export function renderKey(request: RenderRequest & { commit: string }, cluster: HelmCapabilities | undefined): string {
  return createHash('sha256').update(JSON.stringify([
    request.tree.name, request.commit, request.path, request.directory, request.kustomize, request.helm,
    request.appName, request.namespace, cluster,
  ])).digest('hex');
}

interface CacheEntry {
  result: Promise<RenderResult>;
  /** When the store last heard of this render (a memory hit reads nothing from it). */
  touchedAt: number;
}

/** The Application's path as messages name it. */
const shown = (appPath: string): string => appPath || '.';

/** Clears every execute bit under `folder`: a script in the repository cannot be run even where a renderer could be made to reach it. */
async function dropExecBits(folder: string): Promise<void> {
  for (const entry of await fs.readdir(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) await fs.chmod(path.join(entry.parentPath, entry.name), 0o644);
  }
}

export class Renderer {
  readonly #limits: ToolLimits;
  readonly #helm: string;
  readonly #kustomize: KustomizeBinary;
  readonly #cacheEntries: number;
  readonly #maxObjects: number;
  readonly #maxRenderBytes: number;
  readonly #allowedRemoteBases: readonly string[];
  readonly #networkPolicy: RemoteBasePolicy;
  readonly #workDir: string;
  readonly #onRender: NonNullable<RendererOptions['onRender']>;
  readonly #clusterCapabilities: RendererOptions['clusterCapabilities'];
  readonly #store: RenderStore | undefined;
  /** Insertion-ordered, so the oldest entry is evicted first; holds promises so concurrent renders share one run. */
  readonly #cache = new Map<string, CacheEntry>();

  constructor(options: RendererOptions = {}) {
    this.#maxRenderBytes = options.maxRenderBytes ?? 64 * 1024 * 1024;
    this.#limits = {
      timeoutMs: options.timeoutMs ?? 90_000,
      maxOutputBytes: Math.min(options.maxOutputBytes ?? 64 * 1024 * 1024, this.#maxRenderBytes),
      memoryLimitBytes: options.memoryLimitBytes ?? 512 * 1024 * 1024,
      cpuSeconds: options.cpuSeconds ?? 60,
      slots: createToolSlots(options.toolConcurrency ?? 2),
    };
    this.#allowedRemoteBases = options.allowedRemoteBases ?? [];
    this.#networkPolicy = options.networkPolicy ?? defaultSecurityPolicy;
    this.#helm = options.helmBinary ?? findHelm();
    this.#kustomize = options.kustomize ?? findKustomize();
    this.#cacheEntries = options.cacheEntries ?? 256;
    this.#maxObjects = options.maxObjects ?? 10_000;
    this.#workDir = options.workDir ?? os.tmpdir();
    this.#onRender = options.onRender ?? (() => undefined);
    this.#clusterCapabilities = options.clusterCapabilities;
    this.#store = options.store;
  }

  async render(request: RenderRequest): Promise<RenderResult> {
    const cluster = await this.#clusterFor(request);
    if (request.commit === undefined) return this.#timedRender(request, cluster);
    const key = renderKey({ ...request, commit: request.commit }, cluster);
    let entry = this.#cache.get(key);
    if (entry) {
      this.#cache.delete(key);
      this.#touch(key, entry);
    } else {
      const result = this.#storedOrRendered(request, cluster, key);
      entry = { result, touchedAt: Date.now() };
      // A failure is not cached: the next attempt renders again.
      result.catch(() => this.#cache.delete(key));
    }
    this.#cache.set(key, entry);
    while (this.#cache.size > this.#cacheEntries) this.#cache.delete(this.#cache.keys().next().value ?? '');
    const result = await entry.result;
    return { kind: result.kind, manifests: structuredClone(result.manifests) };
  }

  /** The render the store keeps for `key`, else a fresh one, stored (or the one another replica stored first). */
  async #storedOrRendered(request: RenderRequest, cluster: HelmCapabilities | undefined, key: string): Promise<RenderResult> {
    const store = this.#store;
    // Plain YAML is deterministic and cheap: only external renderers' results are kept.
    const kind = store ? await this.detect(request).catch(() => undefined) : undefined;
    if (!store || kind === undefined || kind === 'directory') return this.#timedRender(request, cluster);
    const fromStore = await this.#storeCall(request, 'read', () => store.get(key));
    // Checked against this replica's limit too: its settings may be stricter than the writer's.
    if (fromStore?.kind === kind && fromStore.manifests.length <= this.#maxObjects) return fromStore;
    const rendered = await this.#timedRender(request, cluster);
    const renderedKind = rendered.kind;
    if (renderedKind === 'directory') return rendered;
    return this.#storeCall(request, 'written', () => store.put(key, { kind: renderedKind, manifests: rendered.manifests }));
  }

  /**
   * A call to the store whose failure fails the render as transient: rendering
   * on without it would give a chart's random values anew, and the retry comes
   * once the store is back (it is the queue's Redis: nothing runs without it).
   */
  async #storeCall<T>(request: RenderRequest, what: 'read' | 'written', call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new TransientSourceError('RenderFailed',
        `${shown(request.path)}: the render store could not be ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  /** Keeps the stored copy of a render served from memory from expiring; at most once per touchEveryMs, failures ignored (the next touch retries). */
  #touch(key: string, entry: CacheEntry): void {
    const store = this.#store;
    if (!store || Date.now() - entry.touchedAt < touchEveryMs) return;
    entry.touchedAt = Date.now();
    void entry.result.then((result) => result.kind === 'directory' ? undefined : store.touch(key)).catch(() => undefined);
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

  /** The cluster's capabilities when the request is a chart that needs them; undefined otherwise. */
  async #clusterFor(request: RenderRequest): Promise<HelmCapabilities | undefined> {
    if (!this.#clusterCapabilities || !needsCluster(request.helm)) return undefined;
    const kind = request.helm ? 'helm' : await this.detect(request).catch(() => undefined);
    if (kind !== 'helm') return undefined;
    try {
      return await this.#clusterCapabilities();
    } catch (error) {
      throw new TransientSourceError('RenderFailed',
        `${shown(request.path)}: helm needs the cluster's version and API versions, which could not be read: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error });
    }
  }

  async #timedRender(request: RenderRequest, cluster: HelmCapabilities | undefined): Promise<RenderResult> {
    const started = performance.now();
    try {
      const result = await this.#render(request, cluster);
      this.#onRender(result.kind, (performance.now() - started) / 1000, true);
      return result;
    } catch (error) {
      const kind = await this.detect(request).catch(() => undefined);
      this.#onRender(kind, (performance.now() - started) / 1000, false);
      throw error;
    }
  }

  async #render(request: RenderRequest, cluster: HelmCapabilities | undefined): Promise<RenderResult> {
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
    // Refused before kustomize runs, and before the snapshot is written.
    const network = kind === 'kustomize'
      && await checkRemoteEntries(await findRemoteEntries(request.tree, appPath), this.#allowedRemoteBases, this.#networkPolicy)
      ? 'allowed' : 'none';
    const manifests = kind === 'directory'
      ? await renderDirectory(request.tree, appPath, request.directory ?? { recurse: false, include: [], exclude: [] }, this.#maxRenderBytes)
      : await this.#withSnapshot(request.tree, async (snapshot, scratch) => kind === 'kustomize'
        ? renderKustomize({ snapshot, scratch, appPath, options: request.kustomize, binary: this.#kustomize, limits: this.#limits, network })
        : request.chartDependencies ? request.chartDependencies(path.join(snapshot, appPath)).then(() => this.#helmRun(request, snapshot, scratch, appPath, cluster))
          : this.#helmRun(request, snapshot, scratch, appPath, cluster));
    if (manifests.length > this.#maxObjects) {
      throw new InvalidSourceError('InvalidManifest', `${shown(appPath)}: renders ${manifests.length} objects, more than the limit of ${this.#maxObjects} objects per Application`);
    }
    checkUnique(manifests);
    return { kind, manifests };
  }

  #helmRun(request: RenderRequest, snapshot: string, scratch: string, appPath: string, cluster: HelmCapabilities | undefined): Promise<Manifest[]> {
    return renderHelm({
      tree: request.tree, snapshot, scratch, appPath, binary: this.#helm, limits: this.#limits,
      options: request.helm ?? { valueFiles: [], parameters: [], skipCrds: false, apiVersions: [] },
      releaseName: request.helm?.releaseName ?? request.appName, namespace: request.namespace, cluster,
    });
  }

  async #withSnapshot<T>(tree: SourceTree, work: (snapshot: string, scratch: string) => Promise<T>): Promise<T> {
    // The work folder may be a fresh cache folder (the controller's --cache-dir) that nothing created yet.
    await fs.mkdir(this.#workDir, { recursive: true });
    const scratch = await fs.mkdtemp(path.join(this.#workDir, 'berth-render-'));
    try {
      const snapshot = path.join(scratch, 'tree');
      await tree.snapshot(snapshot);
      await dropExecBits(snapshot);
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
