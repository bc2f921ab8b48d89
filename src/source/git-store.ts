/**
 * One bare repository on disk per (repository, credentials): the cache every
 * fetch of that repository adds to and every read comes from. Fetches are
 * shallow (depth 1) and single-ref, and tell the server which commit of that
 * ref we already hold so a new commit brings only the objects it changed.
 * Berth keeps its own refs (`refs/berth/<ref>`) recording the last commit
 * fetched for each remote ref, which is how it notices a force push.
 * All writes to one store are serialised by the caller (GitSource).
 */
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import type { CommitObject, HttpClient } from 'isomorphic-git';

const berthRefs = 'refs/berth/';
const lastFetched = `${berthRefs}last-fetched`;

export interface StoreFetchOptions {
  url: string;
  http: HttpClient;
  headers: Record<string, string>;
}

export class GitStore {
  readonly gitdir: string;
  /** isomorphic-git's object cache: keeps pack indexes in memory between reads. */
  readonly cache: object = {};
  #initialised = false;

  constructor(gitdir: string) {
    this.gitdir = gitdir;
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

  async hasCommit(oid: string): Promise<boolean> {
    try {
      await git.readCommit({ fs, gitdir: this.gitdir, oid, cache: this.cache });
      return true;
    } catch {
      return false;
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
    const fetchWith = (shape: { since: Date } | { depth: number }) => git.fetch({
      fs, gitdir: this.gitdir, cache: this.cache, http: options.http, url: options.url, headers: options.headers,
      // `ref` is only where isomorphic-git looks for the commit to announce as "have".
      ref: haveRef, remoteRef, singleBranch: true, tags: false, ...shape,
    });
    let result;
    try {
      result = await fetchWith(since ? { since } : { depth: 1 });
    } catch (error) {
      // A ref reset to a commit older than `since` selects no commit ("no commits selected for shallow requests").
      if (!since || options.since) throw error;
      result = await fetchWith({ depth: 1 });
    }
    return result.fetchHead;
  }

  /** Fetches every branch and tag with full history: the way to find a commit no ref points at. */
  async fetchEverything(options: StoreFetchOptions): Promise<void> {
    await git.fetch({
      fs, gitdir: this.gitdir, cache: this.cache, http: options.http, url: options.url, headers: options.headers,
      remoteRef: 'HEAD', singleBranch: false, tags: true,
    });
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
