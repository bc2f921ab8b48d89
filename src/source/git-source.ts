/**
 * Berth's Git sources: what the controller calls to turn (repository,
 * targetRevision) into a commit held on disk, and to read it.
 *
 *   resolveRevision  asks the server for its refs (one small GET, no pack), at
 *                    most once per freshness window per repository across all
 *                    replicas (FetchCoordinator), and resolves the revision;
 *   fetch            brings the commit into the local cache when it is not
 *                    there yet (one fetch per change, shared by every caller),
 *                    and says whether the ref moved by a force push;
 *   changedPaths     lists what a new commit changed, to reconcile only the
 *                    Applications whose path it touched;
 *   sharesHistory    tells a force push that rewrote recent commits from one
 *                    to an unrelated history;
 *   tree             reads a commit without a checkout, for the renderers.
 *
 * Every failure is an InvalidSourceError or a TransientSourceError whose message
 * starts with `<url>@<revision>`. What a fetch brings is capped on the wire
 * (maxFetchBytes) and inflated (maxObjectBytes, maxRepositoryBytes, checked before
 * isomorphic-git inflates the pack): a repository over a cap fails with
 * InvalidSourceError('FetchTooLarge') and costs the controller little memory, so
 * a hostile repository cannot take down the Applications of other repositories.
 */
import path from 'node:path';
import git from 'isomorphic-git';
import { InvalidSourceError } from '../errors.ts';
import { KeyedMutex, MemoryFetchCoordinator, SingleFlight, type FetchCoordinator } from './fetch-coordinator.ts';
import { toSourceError } from './git-errors.ts';
import { GitStore } from './git-store.ts';
import { changedPathsBetween, GitTree } from './git-tree.ts';
import { transportFor, type TransportOptions } from './git-transport.ts';
import { defaultPackLimits } from './pack-limits.ts';
import type { NetworkPolicy } from '../policy/guarded-lookup.ts';
import { repositoryKey, type Repository } from './repository.ts';
import { resolveRevision as resolveAgainst, type AdvertisedRef, type RevisionKind } from './revision.ts';

export interface GitSourceOptions {
  /** Folder holding one bare repository per (URL, credentials). */
  cacheDir: string;
  /** Shares advertised refs and locks between replicas; default: this process only. */
  coordinator?: FetchCoordinator;
  /** Default 60 s. */
  requestTimeoutMs?: number;
  /** Bytes one fetch may download; default 1 GiB. */
  maxFetchBytes?: number;
  /**
   * Inflated bytes one Git object may have (a blob, tree, commit, or the object a
   * delta builds); a fetch bringing a larger one fails before the pack is indexed.
   * Default 128 MiB.
   */
  maxObjectBytes?: number;
  /** Inflated bytes all the objects one fetch brings may have together; default 1 GiB. */
  maxRepositoryBytes?: number;
  /** How long advertised refs are reused without asking the server; default 10 s. */
  refsMaxAgeMs?: number;
  /** How long one replica may hold the right to ask the server; default 15 s. */
  lockTtlMs?: number;
  /** Addresses the Git client may connect to (checked at connect time); default: any. */
  network?: NetworkPolicy;
  /** An SSH host with no knownHosts line is trusted with the first key it shows this process (--ssh-trust-on-first-use). */
  sshTrustOnFirstUse?: boolean;
  /** Called after each network operation (listing refs, fetching a pack) with its duration; for metrics, must not throw. */
  onRemote?: (operation: 'list-refs' | 'fetch', seconds: number, ok: boolean) => void;
}

export interface ResolvedRevision {
  url: string;
  targetRevision: string;
  kind: RevisionKind;
  /** The remote ref to fetch (`refs/heads/main`, `refs/tags/v1.2.0`, `HEAD`); undefined for a bare commit id. */
  ref: string | undefined;
  /** The commit to deploy. */
  commit: string;
  /** The tag chosen, for tags and semver ranges. */
  tag?: string;
}

export interface FetchOutcome {
  commit: string;
  /** The commit this ref pointed at when Berth last fetched it. */
  previousCommit?: string;
  /** The ref moved to a commit that does not descend from `previousCommit` (force push, moved tag). */
  forced: boolean;
  /** Whether a pack was downloaded (false when the commit was already cached). */
  transferred: boolean;
  /** Bytes downloaded by this fetch (ref listings included). */
  bytes: number;
}

const defaults = {
  requestTimeoutMs: 60_000, maxFetchBytes: 1024 ** 3,
  maxObjectBytes: defaultPackLimits.maxObjectBytes, maxRepositoryBytes: defaultPackLimits.maxTotalBytes,
  refsMaxAgeMs: 10_000, lockTtlMs: 15_000,
} as const;

export class GitSource {
  readonly #options: Required<Omit<GitSourceOptions, 'coordinator' | 'network' | 'onRemote' | 'sshTrustOnFirstUse'>> & Pick<GitSourceOptions, 'network' | 'sshTrustOnFirstUse'>;
  readonly #coordinator: FetchCoordinator;
  readonly #onRemote: NonNullable<GitSourceOptions['onRemote']>;
  readonly #flights = new SingleFlight();
  readonly #mutex = new KeyedMutex();
  readonly #stores = new Map<string, GitStore>();
  /** Answers of sharesHistory, by repository and commit pair (bounded). */
  readonly #related = new Map<string, boolean | undefined>();
  /** Subject and author of commits rendered here, by `url@commit` (bounded), for the console's list rows. */
  readonly #described = new Map<string, { subject: string; author: string }>();

  constructor(options: GitSourceOptions) {
    this.#options = { ...defaults, ...options };
    this.#coordinator = options.coordinator ?? new MemoryFetchCoordinator();
    this.#onRemote = options.onRemote ?? (() => undefined);
  }

  async #timed<T>(operation: 'list-refs' | 'fetch', work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await work();
      this.#onRemote(operation, (performance.now() - started) / 1000, true);
      return result;
    } catch (error) {
      this.#onRemote(operation, (performance.now() - started) / 1000, false);
      throw error;
    }
  }

  #limits(): TransportOptions {
    return {
      requestTimeoutMs: this.#options.requestTimeoutMs, maxBytes: this.#options.maxFetchBytes,
      ...(this.#options.network ? { network: this.#options.network } : {}),
      ...(this.#options.sshTrustOnFirstUse ? { sshTrustOnFirstUse: true } : {}),
    };
  }

  async #store(repository: Repository): Promise<GitStore> {
    const key = repositoryKey(repository);
    let store = this.#stores.get(key);
    if (!store) {
      store = new GitStore(path.join(this.#options.cacheDir, `${key}.git`), {
        maxObjectBytes: this.#options.maxObjectBytes, maxTotalBytes: this.#options.maxRepositoryBytes,
      });
      this.#stores.set(key, store);
    }
    await store.init();
    return store;
  }

  /** The refs the server advertises, shared across callers and replicas for `maxAgeMs`. */
  advertisedRefs(repository: Repository, maxAgeMs = this.#options.refsMaxAgeMs): Promise<AdvertisedRef[]> {
    const key = repositoryKey(repository);
    return this.#flights.run(`refs:${key}:${maxAgeMs}`, async () => {
      const fresh = async (): Promise<AdvertisedRef[] | undefined> => {
        const record = await this.#coordinator.readRefs(key);
        return record && Date.now() - record.checkedAt <= maxAgeMs ? record.refs : undefined;
      };
      const recorded = await fresh();
      if (recorded) return recorded;
      const release = await this.#coordinator.tryLock(`refs:${key}`, this.#options.lockTtlMs);
      if (!release) {
        // Another replica is asking right now: wait for its answer rather than ask too.
        const deadline = Date.now() + this.#options.lockTtlMs;
        while (Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          const shared = await fresh();
          if (shared) return shared;
        }
      }
      try {
        const { client, url, headers } = transportFor(repository, this.#limits(), 'list-refs');
        const refs = await this.#timed('list-refs', () => git.listServerRefs({
          http: client, url, headers,
          protocolVersion: 1, symrefs: true, peelTags: true,
        })).catch((error: unknown) => {
          throw toSourceError(error, repository.url, Boolean(repository.credentials));
        });
        const advertised = refs.map(({ ref, oid, peeled, target }) => ({
          ref, oid, ...(peeled ? { peeled } : {}), ...(target ? { target } : {}),
        }));
        await this.#coordinator.writeRefs(key, { refs: advertised, checkedAt: Date.now() }, Math.max(maxAgeMs, 60_000));
        return advertised;
      } finally {
        await release?.();
      }
    });
  }

  /**
   * Resolves `targetRevision` to a commit. `maxAgeMs` bounds how old the
   * server's refs may be (0 after a webhook: ask now). A commit id that no ref
   * advertises is looked up in the cache, then by fetching the whole history.
   */
  async resolveRevision(repository: Repository, targetRevision: string, options: { maxAgeMs?: number } = {}): Promise<ResolvedRevision> {
    const where = `${repository.url}@${targetRevision}`;
    const refs = await this.advertisedRefs(repository, options.maxAgeMs);
    const resolution = resolveAgainst(refs, targetRevision);
    if (resolution.found) {
      return {
        url: repository.url, targetRevision, kind: resolution.kind, ref: resolution.ref, commit: resolution.commit,
        ...(resolution.tag ? { tag: resolution.tag } : {}),
      };
    }
    if (resolution.kind === 'missing') {
      const store = await this.#store(repository);
      const tracked = await store.readTracking(`refs/tags/${targetRevision}`);
      const gone = tracked ? ` (the tag pointed at ${tracked.slice(0, 12)} and was deleted)` : '';
      throw new InvalidSourceError('RevisionNotFound', `${where}: ${resolution.reason}${gone}`);
    }
    const commit = await this.#findCommit(repository, resolution.sha, where);
    return { url: repository.url, targetRevision, kind: 'commit', ref: undefined, commit };
  }

  async #findCommit(repository: Repository, sha: string, where: string): Promise<string> {
    const store = await this.#store(repository);
    const local = await store.expandCommit(sha);
    if (local) return local;
    await this.#mutex.run(store.gitdir, async () => {
      if (await store.expandCommit(sha)) return;
      const { client, url, headers } = transportFor(repository, this.#limits());
      await this.#timed('fetch', () => store.fetchEverything({ url, http: client, headers }))
        .catch((error: unknown) => { throw toSourceError(error, where, Boolean(repository.credentials)); });
    });
    const found = await store.expandCommit(sha);
    if (!found) throw new InvalidSourceError('RevisionNotFound', `${where}: no branch, tag or commit by that name`);
    return found;
  }

  /** Makes `revision.commit` available locally; concurrent calls for one commit share one fetch. */
  fetch(repository: Repository, revision: ResolvedRevision): Promise<FetchOutcome> {
    const key = repositoryKey(repository);
    return this.#flights.run(`fetch:${key}:${revision.ref ?? ''}:${revision.commit}`, async () => {
      const store = await this.#store(repository);
      return this.#mutex.run(store.gitdir, () => this.#fetchLocked(repository, store, key, revision));
    });
  }

  async #fetchLocked(repository: Repository, store: GitStore, key: string, revision: ResolvedRevision): Promise<FetchOutcome> {
    const where = `${repository.url}@${revision.targetRevision}`;
    const ref = revision.ref;
    const previousCommit = ref ? await store.readTracking(ref) : undefined;
    const base = previousCommit && previousCommit !== revision.commit ? { previousCommit } : {};
    if (await store.hasCommit(revision.commit)) {
      if (ref) await store.writeTracking(ref, revision.commit);
      return { commit: revision.commit, ...base, forced: await this.#isForced(store, repository, ref, previousCommit, revision.commit), transferred: false, bytes: 0 };
    }
    if (!ref) return this.#fetchCommit(repository, store, revision.commit, where);

    // Replicas sharing a cache volume must not write one store at once; others wait and then find the commit.
    const release = await this.#waitForLock(`fetch:${key}`, () => store.hasCommit(revision.commit));
    try {
      if (await store.hasCommit(revision.commit)) {
        await store.writeTracking(ref, revision.commit);
        return { commit: revision.commit, ...base, forced: await this.#isForced(store, repository, ref, previousCommit, revision.commit), transferred: false, bytes: 0 };
      }
      const { client, stats, url, headers } = transportFor(repository, this.#limits());
      const fetched = await this.#timed('fetch', () => store.fetchRef(ref, { url, http: client, headers }))
        .catch((error: unknown) => { throw toSourceError(error, where, Boolean(repository.credentials)); });
      if (!fetched) throw new InvalidSourceError('RevisionNotFound', `${where}: the repository is empty`);
      // The ref may have moved again between listing and fetching; deploy what was fetched.
      const commit = await store.peel(fetched);
      const forced = await this.#isForced(store, repository, ref, previousCommit, commit);
      await store.writeTracking(ref, commit);
      return { commit, ...(previousCommit && previousCommit !== commit ? { previousCommit } : {}), forced, transferred: true, bytes: stats.bytes };
    } finally {
      await release?.();
    }
  }

  /**
   * A commit no ref names, not in this cache: a rollback to the last healthy
   * commit run by a replica (or a restarted controller) that never fetched it.
   * The whole history is fetched, as for a pinned commit id, and unshallowed:
   * a cache that already holds a branch tip (shallow) would otherwise stop the
   * server at that boundary, and an older commit would never arrive.
   */
  async #fetchCommit(repository: Repository, store: GitStore, commit: string, where: string): Promise<FetchOutcome> {
    const { client, stats, url, headers } = transportFor(repository, this.#limits());
    await this.#timed('fetch', () => store.fetchEverything({ url, http: client, headers, unshallow: true }))
      .catch((error: unknown) => { throw toSourceError(error, where, Boolean(repository.credentials)); });
    if (!(await store.hasCommit(commit))) throw new InvalidSourceError('RevisionNotFound', `${where}: commit ${commit} is in no branch or tag of the repository`);
    return { commit, forced: false, transferred: true, bytes: stats.bytes };
  }

  async #waitForLock(name: string, done: () => Promise<boolean>): Promise<(() => Promise<void>) | undefined> {
    const deadline = Date.now() + this.#options.lockTtlMs;
    for (;;) {
      const release = await this.#coordinator.tryLock(name, this.#options.lockTtlMs);
      if (release || Date.now() > deadline || (await done())) return release;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * A ref was force-pushed when its new commit does not descend from the one
   * fetched before. A depth-1 fetch holds only the new tip, so when its parent
   * is not the old commit the history since the old commit's date is fetched
   * (a few commits, most objects already held) and walked.
   */
  async #isForced(store: GitStore, repository: Repository, ref: string | undefined, previous: string | undefined, commit: string): Promise<boolean> {
    if (!ref || !previous || previous === commit) return false;
    if (await store.reaches(commit, previous)) return false;
    const old = await store.readCommit(previous).catch(() => undefined);
    if (!old) return false;
    const { client, url, headers } = transportFor(repository, this.#limits());
    await store.fetchRef(ref, {
      url, http: client, headers,
      since: new Date((old.committer.timestamp - 1) * 1000),
    }).catch(() => undefined);
    return !(await store.reaches(commit, previous));
  }

  /**
   * Whether commits `a` and `b` have a common ancestor (one descending from the
   * other included): false for a branch force-pushed to an unrelated history.
   * Cheap when one reaches the other in the cache; otherwise the whole history
   * of every branch and tag is fetched (unshallowed) and both ancestries are
   * walked, up to `limit` commits each. Undefined when that cannot decide (a
   * commit's history is no longer on the server, a walk hit the limit, the fetch
   * was too large): callers count it as related. A network failure is thrown.
   */
  async sharesHistory(repository: Repository, a: string, b: string, limit = 100_000): Promise<boolean | undefined> {
    if (a === b) return true;
    const store = await this.#store(repository);
    if (await store.reaches(b, a) || await store.reaches(a, b)) return true;
    const key = `${repositoryKey(repository)}:${[a, b].sort().join(':')}`;
    if (this.#related.has(key)) return this.#related.get(key);
    const where = `${repository.url}@${b}`;
    const fetched = await this.#mutex.run(store.gitdir, async () => {
      const { client, url, headers } = transportFor(repository, this.#limits());
      await this.#timed('fetch', () => store.fetchEverything({ url, http: client, headers, unshallow: true }));
      return true;
    }).catch((error: unknown) => {
      const failure = toSourceError(error, where, Boolean(repository.credentials));
      if (failure.retryable) throw failure;
      return false;
    });
    let related: boolean | undefined;
    if (fetched) {
      const [ofA, ofB] = await Promise.all([store.ancestry(a, limit), store.ancestry(b, limit)]);
      const [smaller, larger] = ofA.commits.size <= ofB.commits.size ? [ofA.commits, ofB.commits] : [ofB.commits, ofA.commits];
      related = [...smaller].some((commit) => larger.has(commit)) ? true : ofA.complete && ofB.complete ? false : undefined;
    }
    // Every poll of a refused commit asks again; the answer does not change, the full fetch would cost each time.
    if (this.#related.size >= 256) this.#related.delete(this.#related.keys().next().value ?? '');
    this.#related.set(key, related);
    return related;
  }

  /**
   * Paths changed between two cached commits, or undefined when either commit
   * is not in the cache (then the caller must assume everything changed).
   */
  async changedPaths(repository: Repository, from: string, to: string): Promise<string[] | undefined> {
    const store = await this.#store(repository);
    if (!(await store.hasCommit(from)) || !(await store.hasCommit(to))) return undefined;
    return changedPathsBetween(store, from, to);
  }

  /** The files of a cached commit, for rendering. */
  async tree(repository: Repository, commit: string): Promise<GitTree> {
    const store = await this.#store(repository);
    if (!(await store.hasCommit(commit))) {
      throw new InvalidSourceError('RevisionNotFound', `${repository.url}@${commit}: commit is not in the cache; fetch it first`);
    }
    const key = `${repository.url}@${commit}`;
    if (!this.#described.has(key)) {
      const object = await store.readCommit(commit).catch(() => undefined);
      if (object) {
        if (this.#described.size >= 10_000) this.#described.delete(this.#described.keys().next().value ?? '');
        this.#described.set(key, { subject: object.message.split('\n', 1)[0]?.trim() ?? '', author: object.author.name });
      }
    }
    return new GitTree(store, commit, `${repository.url}@${commit.slice(0, 12)}`);
  }

  /** The subject line and author of a commit this process rendered from `url` (the Repository's url), if it did. */
  describedCommit(url: string, commit: string): { subject: string; author: string } | undefined {
    return this.#described.get(`${url}@${commit}`);
  }

  /** The raw bytes of a cached commit or annotated tag, for source.verify (verify-revision.ts); undefined when not cached. */
  async rawObject(repository: Repository, oid: string): Promise<{ type: string; bytes: Uint8Array } | undefined> {
    return (await this.#store(repository)).readRaw(oid);
  }

  /**
   * The raw annotated tag object `oid` that the tag `ref` names, fetched when
   * the cache lacks it: a tag of a commit already held (fetched for a branch)
   * brings no fetch of its own, so its tag object would never arrive.
   */
  async rawTag(repository: Repository, ref: string, oid: string): Promise<{ type: string; bytes: Uint8Array } | undefined> {
    const store = await this.#store(repository);
    const held = await store.readRaw(oid);
    if (held) return held;
    await this.#mutex.run(store.gitdir, async () => {
      if (await store.readRaw(oid)) return;
      const { client, url, headers } = transportFor(repository, this.#limits());
      await this.#timed('fetch', () => store.fetchRef(ref, { url, http: client, headers }))
        .catch((error: unknown) => { throw toSourceError(error, `${repository.url}@${ref}`, Boolean(repository.credentials)); });
    });
    return store.readRaw(oid);
  }

  /** Subject and author name of a cached commit, for notifications; undefined when the cache lacks it. */
  async commitSummary(repository: Repository, commit: string): Promise<{ subject: string; author: string } | undefined> {
    const store = await this.#store(repository);
    if (!(await store.hasCommit(commit))) return undefined;
    const object = await store.readCommit(commit);
    return { subject: object.message.split('\n')[0]?.trim() ?? '', author: object.author.name };
  }
}
