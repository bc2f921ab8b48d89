/**
 * One bare repository on disk per (repository, credentials): the cache every
 * fetch of that repository adds to and every read comes from. Fetches are
 * shallow (depth 1) and single-ref, and tell the server which commit of that
 * ref we already hold so a new commit brings only the objects it changed.
 * Berth keeps its own refs (`refs/berth/<ref>`) recording the last commit
 * fetched for each remote ref, which is how it notices a force push.
 * Every pack a fetch brings is checked against the store's PackLimits before
 * isomorphic-git writes or indexes it (pack-limits.ts): a pack over a cap is
 * never written, and the shallow list the fetch had already updated is put
 * back, so the store is as it was before the fetch.
 * All writes to one store are serialised by the caller (GitSource).
 */
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import type { CommitObject, HttpClient, PromiseFsClient } from 'isomorphic-git';
import { ObjectSizes } from './object-size.ts';
import { assertPackWithinLimits, defaultPackLimits, type PackLimits } from './pack-limits.ts';

const berthRefs = 'refs/berth/';
const lastFetched = `${berthRefs}last-fetched`;

/** A deadline or size limit of the HTTP client (http-client.ts), anywhere in the cause chain. */
function isTransferLimit(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current.name === 'TransferLimitError') return true;
    current = current.cause;
  }
  return false;
}

/** What isomorphic-git writes a fetched pack as (`objects/pack/pack-<sha>.pack`); its index is written after. */
const packFile = /[/\\]objects[/\\]pack[/\\]pack-[0-9a-f]+\.pack$/;

/**
 * node:fs for isomorphic-git, except that a pack is checked against `limits`
 * before it is written. isomorphic-git writes the pack, then indexes it from the
 * same buffer, so refusing the write refuses the indexing too. It retries a
 * failed write once (after creating the folder): the verdict is kept per buffer.
 */
function limitedFs(limits: PackLimits): PromiseFsClient {
  const verdicts = new WeakMap<object, Promise<unknown>>();
  const writeFile = async (file: string, data: unknown, options?: fs.WriteFileOptions): Promise<void> => {
    if (packFile.test(file) && data instanceof Uint8Array) {
      let verdict = verdicts.get(data);
      if (!verdict) {
        verdict = assertPackWithinLimits(data, limits);
        verdicts.set(data, verdict);
      }
      await verdict;
    }
    await fs.promises.writeFile(file, data as Uint8Array | string, options);
  };
  const { readFile, unlink, readdir, mkdir, rmdir, stat, lstat, readlink, symlink, chmod, rm } = fs.promises;
  return { promises: { readFile, writeFile, unlink, readdir, mkdir, rmdir, stat, lstat, readlink, symlink, chmod, rm } as PromiseFsClient['promises'] };
}

export interface StoreFetchOptions {
  url: string;
  http: HttpClient;
  headers: Record<string, string>;
}

export class GitStore {
  readonly gitdir: string;
  /** isomorphic-git's object cache: keeps pack indexes in memory between reads (replaced by `reset`). */
  cache: object = {};
  #initialised = false;
  /** Why a read of an object this store should hold failed; the next fetch starts the store afresh. */
  #damaged: string | undefined;

  /** The caps every pack fetched into this store passed; reads refuse objects over `maxObjectBytes` too (GitTree). */
  readonly limits: PackLimits;
  readonly #fetchFs: PromiseFsClient;
  readonly #sizes: ObjectSizes;

  constructor(gitdir: string, limits: PackLimits = defaultPackLimits) {
    this.gitdir = gitdir;
    this.limits = limits;
    this.#fetchFs = limitedFs(limits);
    this.#sizes = new ObjectSizes(gitdir);
  }

  /**
   * The inflated size of an object, told from headers without inflating it;
   * undefined when it cannot be told (then reading it reports what is wrong).
   */
  objectSize(oid: string): Promise<number | undefined> {
    return this.#sizes.sizeOf(oid).catch(() => undefined);
  }

  /**
   * Runs one isomorphic-git fetch with the pack caps. isomorphic-git records the
   * server's shallow commits before it writes the pack; when the pack is refused
   * (or anything else fails) the old list is put back, or the next fetch would
   * tell the server it holds commits it never received.
   */
  async #fetch(options: Parameters<typeof git.fetch>[0]): Promise<Awaited<ReturnType<typeof git.fetch>>> {
    const shallowFile = path.join(this.gitdir, 'shallow');
    const shallow = await fs.promises.readFile(shallowFile).catch(() => undefined);
    try {
      return await git.fetch({ ...options, fs: this.#fetchFs });
    } catch (error) {
      if (shallow) await fs.promises.writeFile(shallowFile, shallow);
      else await fs.promises.rm(shallowFile, { force: true });
      throw error;
    }
  }

  async init(): Promise<void> {
    if (this.#initialised) return;
    if (!fs.existsSync(path.join(this.gitdir, 'HEAD'))) {
      await fs.promises.mkdir(this.gitdir, { recursive: true });
      await git.init({ fs, gitdir: this.gitdir, bare: true, defaultBranch: 'main' });
      // isomorphic-git records what it fetched under a remote's refspec; Berth reads its own refs/berth/ instead.
      await git.setConfig({ fs, gitdir: this.gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
    }
    this.#initialised = true;
  }

  /** Records that the store failed to read an object it should hold (see GitTree): it is not trusted again until refetched. */
  markDamaged(reason: string): void {
    this.#damaged ??= reason;
  }

  /** Removes everything held and starts an empty store (a damaged cache: a deleted or cut-short pack file). */
  async reset(): Promise<void> {
    await fs.promises.rm(this.gitdir, { recursive: true, force: true });
    // Parsed pack indexes in the old cache describe the removed packs.
    this.cache = {};
    this.#sizes.clear();
    this.#initialised = false;
    this.#damaged = undefined;
    await this.init();
  }

  /** False for every commit while the store is marked damaged, so callers fetch (which resets it) instead of reading. */
  async hasCommit(oid: string): Promise<boolean> {
    if (this.#damaged !== undefined) return false;
    try {
      await git.readCommit({ fs, gitdir: this.gitdir, oid, cache: this.cache });
      return true;
    } catch {
      return false;
    }
  }

  /** An object's type and raw bytes (for signature checks: the signed bytes are the raw object's); undefined when not held. */
  async readRaw(oid: string): Promise<{ type: string; bytes: Uint8Array } | undefined> {
    try {
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- a signature covers the raw bytes; readCommit and readTag give only isomorphic-git's re-rendered, newline-normalised forms
      const { type, object } = await git.readObject({ fs, gitdir: this.gitdir, oid, format: 'content', cache: this.cache });
      return object instanceof Uint8Array ? { type, bytes: object } : undefined;
    } catch {
      return undefined;
    }
  }

  readCommit(oid: string): Promise<CommitObject> {
    return git.readCommit({ fs, gitdir: this.gitdir, oid, cache: this.cache }).then((result) => result.commit);
  }

  /** The full id of an abbreviated one, when the store holds it. */
  async expandCommit(short: string): Promise<string | undefined> {
    try {
      const oid = await git.expandOid({ fs, gitdir: this.gitdir, oid: short, cache: this.cache });
      return (await this.hasCommit(oid)) ? oid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Follows annotated tags to the commit they name. */
  async peel(oid: string): Promise<string> {
    let current = oid;
    for (let depth = 0; depth < 10; depth++) {
      // readTag throws for anything but a tag object (readCommit would peel silently and hide it).
      const tag = await git.readTag({ fs, gitdir: this.gitdir, oid: current, cache: this.cache }).catch(() => undefined);
      if (!tag) return current;
      current = tag.tag.object;
    }
    return current;
  }

  /** Name of Berth's ref tracking a remote ref (`refs/heads/main` -> `refs/berth/heads/main`). */
  static trackingRef(remoteRef: string): string {
    return remoteRef === 'HEAD' ? `${berthRefs}HEAD` : `${berthRefs}${remoteRef.replace(/^refs\//, '')}`;
  }

  async readTracking(remoteRef: string): Promise<string | undefined> {
    return this.#resolve(GitStore.trackingRef(remoteRef));
  }

  async writeTracking(remoteRef: string, commit: string): Promise<void> {
    await git.writeRef({ fs, gitdir: this.gitdir, ref: GitStore.trackingRef(remoteRef), value: commit, force: true });
    await git.writeRef({ fs, gitdir: this.gitdir, ref: lastFetched, value: commit, force: true });
  }

  async #resolve(ref: string): Promise<string | undefined> {
    try {
      return await git.resolveRef({ fs, gitdir: this.gitdir, ref });
    } catch {
      return undefined;
    }
  }

  /**
   * Fetches one remote ref at depth 1 (or back to `since`), telling the server
   * which commit we hold so it sends only what changed. Returns the fetched
   * object id (an annotated tag's id for a tag) or null for an empty repository.
   */
  async fetchRef(remoteRef: string, options: StoreFetchOptions & { since?: Date }): Promise<string | null> {
    if (this.#damaged !== undefined) await this.reset();
    const fetched = await this.#fetchRef(remoteRef, options);
    // A store whose packs were deleted or cut short still has its refs, so it tells
    // the server it holds commits it cannot read, and gets nothing: start afresh, once.
    if (fetched !== null && !(await this.#readable(fetched))) {
      await this.reset();
      return await this.#fetchRef(remoteRef, options);
    }
    return fetched;
  }

  /** Whether an object fetched (a commit, or a tag naming one) can be read down to its commit. */
  async #readable(oid: string): Promise<boolean> {
    return await this.peel(oid).then((commit) => this.hasCommit(commit), () => false);
  }

  async #fetchRef(remoteRef: string, options: StoreFetchOptions & { since?: Date }): Promise<string | null> {
    const tracking = GitStore.trackingRef(remoteRef);
    const previous = await this.#resolve(tracking);
    const haveRef = previous ? tracking : (await this.#resolve(lastFetched)) ? lastFetched : remoteRef;
    // A depth-1 fetch makes git upload-pack (protocol v1, no thin packs) ignore our "have" and send the
    // whole tree again. Fetching back to the previous commit's date instead brings only the new commits
    // and the objects they changed, and bounds what a force push can bring.
    let since = options.since;
    if (!since && previous) {
      const commit = await this.readCommit(previous).catch(() => undefined);
      if (commit) since = new Date((commit.committer.timestamp - 1) * 1000);
    }
    const fetchWith = (shape: { since: Date } | { depth: number }) => this.#fetch({
      fs, gitdir: this.gitdir, cache: this.cache, http: options.http, url: options.url, headers: options.headers,
      // `ref` is only where isomorphic-git looks for the commit to announce as "have".
      ref: haveRef, remoteRef, singleBranch: true, tags: false, ...shape,
    });
    let result;
    try {
      result = await fetchWith(since ? { since } : { depth: 1 });
    } catch (error) {
      // A ref reset to a commit older than `since` selects no commit ("no commits selected for shallow requests").
      // A server that stalled or sent too much would only do it again, so those are not tried twice.
      if (!since || options.since || isTransferLimit(error)) throw error;
      result = await fetchWith({ depth: 1 });
    }
    return result.fetchHead;
  }

  /**
   * Fetches every branch and tag with full history: the way to find a commit no ref points at.
   * `unshallow` also deepens the commits earlier shallow fetches cut off (a plain fetch keeps
   * them as boundaries), for walks that need every ancestor.
   */
  async fetchEverything(options: StoreFetchOptions & { unshallow?: boolean }): Promise<void> {
    if (this.#damaged !== undefined) await this.reset();
    await this.#fetch({
      fs, gitdir: this.gitdir, cache: this.cache, http: options.http, url: options.url, headers: options.headers,
      remoteRef: 'HEAD', singleBranch: false, tags: true,
      // git's own "infinite" depth (what `git fetch --unshallow` asks for).
      ...(options.unshallow ? { depth: 2 ** 31 - 1 } : {}),
    });
  }

  /**
   * The commits held locally that `tip` descends from (itself included), at most
   * `limit` of them; `complete` is false when a parent could not be read (a
   * shallow boundary) or the limit was hit, so the list may miss ancestors.
   */
  async ancestry(tip: string, limit: number): Promise<{ commits: Set<string>; complete: boolean }> {
    const commits = new Set<string>();
    const queue = [tip];
    let complete = true;
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      if (commits.has(next)) continue;
      if (commits.size >= limit) return { commits, complete: false };
      const commit = await this.readCommit(next).catch(() => undefined);
      if (!commit) {
        complete = false;
        continue;
      }
      commits.add(next);
      queue.push(...commit.parent);
    }
    return { commits, complete };
  }

  /**
   * Whether `ancestor` is reachable from `descendant` through commits held
   * locally, looking at most `limit` commits back (a shallow history ends early).
   */
  async reaches(descendant: string, ancestor: string, limit = 10_000): Promise<boolean> {
    const queue = [descendant];
    const seen = new Set<string>();
    while (queue.length > 0 && seen.size < limit) {
      const oid = queue.shift() ?? '';
      if (oid === ancestor) return true;
      if (seen.has(oid)) continue;
      seen.add(oid);
      try {
        queue.push(...(await this.readCommit(oid)).parent);
      } catch {
        // A parent beyond the shallow boundary: this line of history ends here.
      }
    }
    return false;
  }
}
