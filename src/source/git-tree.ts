/**
 * A SourceTree over one commit of a GitStore: files are read from the object
 * store, never checked out. Also computes which paths changed between two
 * commits, walking both trees together and skipping every subtree whose object
 * id is the same on both sides (so a one-file change in a 5,000-file repository
 * reads a handful of trees). A blob larger than the store's object cap is
 * refused, from its header, before it is inflated.
 */
import nodeFs from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import type { TreeEntry as GitTreeEntry } from 'isomorphic-git';
import { normalizeTreePath, type EntryType, type SourceTree, type TreeEntry } from './source-tree.ts';
import type { GitStore } from './git-store.ts';
import { InvalidSourceError, TransientSourceError } from '../errors.ts';

function entryType(mode: string): EntryType {
  if (mode === '040000') return 'directory';
  if (mode === '120000') return 'symlink';
  if (mode === '160000') return 'submodule';
  return 'file';
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * Refuses a blob larger than the store's object cap before isomorphic-git
 * inflates it whole (it can tell no size otherwise): fetches refuse such packs,
 * but a cache written before the caps, or a local repository, may hold one.
 */
async function assertBlobWithinCap(store: GitStore, oid: string, name: string, file: string): Promise<void> {
  const size = await store.objectSize(oid);
  const cap = store.limits.maxObjectBytes;
  if (size !== undefined && size > cap) {
    throw new InvalidSourceError('FetchTooLarge', `${name}: ${file} is a blob of ${size} bytes (${mib(size)}), larger than ${cap} bytes (${mib(cap)}), the limit of one Git object (maxObjectBytes); it is not read`);
  }
}

async function readTreeEntries(store: GitStore, oid: string): Promise<GitTreeEntry[]> {
  const { tree } = await git.readTree({ fs: nodeFs, gitdir: store.gitdir, oid, cache: store.cache });
  return tree;
}

/**
 * Reads an object a fetched commit refers to. Failing to read one means the
 * cache on disk is damaged (a pack file deleted or cut short): the store is
 * marked so the next fetch starts it afresh, and the caller gets a transient
 * error, so the reconcile is retried rather than failed for good.
 */
async function readHeld<T>(store: GitStore, name: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    // isomorphic-git wraps what went wrong in a long plea to report it; keep what went wrong.
    const detail = (error instanceof Error ? error.message : String(error)).replace(/^An internal error[\s\S]*?this error message: /, '');
    store.markDamaged(detail);
    throw new TransientSourceError('FetchFailed', `${name}: the local Git cache is damaged (${detail}); the repository is fetched again on the next attempt`, { cause: error });
  }
}

export class GitTree implements SourceTree {
  readonly name: string;
  readonly #store: GitStore;
  readonly #commit: string;
  #rootTree: string | undefined;
  /** Trees are immutable: each is parsed once per GitTree. */
  readonly #trees = new Map<string, Promise<GitTreeEntry[]>>();

  constructor(store: GitStore, commit: string, name: string) {
    this.#store = store;
    this.#commit = commit;
    this.name = name;
  }

  #readTree(oid: string): Promise<GitTreeEntry[]> {
    let entries = this.#trees.get(oid);
    if (!entries) {
      entries = readHeld(this.#store, this.name, () => readTreeEntries(this.#store, oid));
      this.#trees.set(oid, entries);
    }
    return entries;
  }

  async #root(): Promise<string> {
    this.#rootTree ??= (await readHeld(this.#store, this.name, () => this.#store.readCommit(this.#commit))).tree;
    return this.#rootTree;
  }

  /** The entry at a path: its tree-entry mode and object id. */
  async #lookup(target: string): Promise<{ mode: string; oid: string } | undefined> {
    const normalized = normalizeTreePath(target);
    let current = { mode: '040000', oid: await this.#root() };
    if (!normalized) return current;
    for (const part of normalized.split('/')) {
      if (current.mode !== '040000') return undefined;
      const next = (await this.#readTree(current.oid)).find((entry) => entry.path === part);
      if (!next) return undefined;
      current = next;
    }
    return current;
  }

  async stat(target: string): Promise<EntryType | undefined> {
    const entry = await this.#lookup(target);
    return entry ? entryType(entry.mode) : undefined;
  }

  async list(directory: string, recursive: boolean): Promise<TreeEntry[]> {
    const base = normalizeTreePath(directory);
    const entry = await this.#lookup(base);
    if (!entry || entry.mode !== '040000') return [];
    const out: TreeEntry[] = [];
    const walk = async (oid: string, prefix: string): Promise<void> => {
      const entries = [...await this.#readTree(oid)].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      for (const child of entries) {
        const childPath = prefix ? `${prefix}/${child.path}` : child.path;
        const type = entryType(child.mode);
        out.push({ path: childPath, type });
        if (recursive && type === 'directory') await walk(child.oid, childPath);
      }
    };
    await walk(entry.oid, base);
    return out;
  }

  async readFile(target: string): Promise<Buffer> {
    const entry = await this.#lookup(target);
    if (!entry || entryType(entry.mode) !== 'file') {
      throw new InvalidSourceError('InvalidPath', `${this.name}: ${target} is not a file`);
    }
    await assertBlobWithinCap(this.#store, entry.oid, this.name, normalizeTreePath(target));
    const { blob } = await readHeld(this.#store, this.name, () => git.readBlob({ fs: nodeFs, gitdir: this.#store.gitdir, oid: entry.oid, cache: this.#store.cache }));
    return Buffer.from(blob);
  }

  async snapshot(target: string): Promise<void> {
    const write = async (oid: string, folder: string): Promise<void> => {
      await fs.mkdir(folder, { recursive: true });
      for (const child of await readHeld(this.#store, this.name, () => readTreeEntries(this.#store, oid))) {
        const destination = path.join(folder, child.path);
        if (child.mode === '040000') await write(child.oid, destination);
        else if (child.mode === '100644' || child.mode === '100755') {
          await assertBlobWithinCap(this.#store, child.oid, this.name, path.relative(target, destination).split(path.sep).join('/'));
          const { blob } = await readHeld(this.#store, this.name, () => git.readBlob({ fs: nodeFs, gitdir: this.#store.gitdir, oid: child.oid, cache: this.#store.cache }));
          await fs.writeFile(destination, blob, { mode: child.mode === '100755' ? 0o755 : 0o644 });
        }
      }
    };
    await write(await this.#root(), target);
  }
}

/**
 * Paths (files, and symlinks or submodules) that differ between two commits:
 * added, removed or modified. A subtree with the same id on both sides is skipped whole.
 */
export async function changedPathsBetween(store: GitStore, from: string, to: string): Promise<string[]> {
  const changed: string[] = [];
  const all = async (oid: string, prefix: string): Promise<void> => {
    for (const entry of await readTreeEntries(store, oid)) {
      const entryPath = `${prefix}${entry.path}`;
      if (entry.mode === '040000') await all(entry.oid, `${entryPath}/`);
      else changed.push(entryPath);
    }
  };
  const compare = async (left: string, right: string, prefix: string): Promise<void> => {
    if (left === right) return;
    const before = new Map((await readTreeEntries(store, left)).map((entry) => [entry.path, entry]));
    const after = new Map((await readTreeEntries(store, right)).map((entry) => [entry.path, entry]));
    for (const name of new Set([...before.keys(), ...after.keys()])) {
      const a = before.get(name);
      const b = after.get(name);
      const entryPath = `${prefix}${name}`;
      if (a && b && a.oid === b.oid && a.mode === b.mode) continue;
      const aIsTree = a?.mode === '040000';
      const bIsTree = b?.mode === '040000';
      if (aIsTree && bIsTree) await compare(a.oid, b.oid, `${entryPath}/`);
      else {
        if (aIsTree) await all(a.oid, `${entryPath}/`);
        else if (a) changed.push(entryPath);
        if (bIsTree) await all(b.oid, `${entryPath}/`);
        else if (b && !(a && !aIsTree)) changed.push(entryPath);
      }
    }
  };
  const [fromTree, toTree] = await Promise.all([store.readCommit(from), store.readCommit(to)]);
  await compare(fromTree.tree, toTree.tree, '');
  return changed.sort();
}

/** Whether any changed path lies under one of `folders` ('' or '.' is the whole repository). */
export function touchesAny(changedPaths: readonly string[], folders: readonly string[]): boolean {
  const prefixes = folders.map((folder) => normalizeTreePath(folder));
  if (prefixes.includes('')) return changedPaths.length > 0;
  return changedPaths.some((changed) => prefixes.some((prefix) => changed === prefix || changed.startsWith(`${prefix}/`)));
}
