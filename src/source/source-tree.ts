/**
 * What a renderer reads: a tree of files, either a Git commit (read from the
 * object store, no checkout) or a local folder (`berth render ./dir`). Paths are
 * POSIX, relative to the tree's root, without `./`. Both implementations report
 * symlinks as such and never follow them, so a renderer can refuse them.
 */

export const EntryType = {
  File: 'file',
  Directory: 'directory',
  Symlink: 'symlink',
  /** A Git submodule: a commit of another repository, never read. */
  Submodule: 'submodule',
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface TreeEntry {
  /** Path from the tree's root, e.g. `apps/web/deploy.yaml`. */
  path: string;
  type: EntryType;
}

export interface SourceTree {
  /** How messages name the tree: `https://host/repo.git@3f2c1ab` or a local folder. */
  readonly name: string;
  /** Type of the entry at `path` ('' or '.' is the root), or undefined when there is none. */
  stat(path: string): Promise<EntryType | undefined>;
  /** Entries under a directory, depth-first in name order; recursive lists the whole subtree. */
  list(directory: string, recursive: boolean): Promise<TreeEntry[]>;
  readFile(path: string): Promise<Buffer>;
  /**
   * Writes the regular files of the tree (executable bits kept) under `target`,
   * for renderers that need a real folder. Symlinks and submodules are left out.
   */
  snapshot(target: string): Promise<void>;
}

/** Normalises a relative path: no leading `./` or `/`, no trailing `/`; '' for the root. */
export function normalizeTreePath(value: string): string {
  const parts: string[] = [];
  for (const part of value.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new Error(`${value}: leaves the repository`);
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join('/');
}
