/**
 * A SourceTree over a folder on disk, for `berth render ./dir`: the same reads
 * as a Git commit, with symlinks reported (never followed) so the same rules
 * apply to both.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidSourceError } from '../errors.ts';
import { normalizeTreePath, type EntryType, type SourceTree, type TreeEntry } from './source-tree.ts';

function typeOf(stats: { isDirectory(): boolean; isSymbolicLink(): boolean; isFile(): boolean }): EntryType | undefined {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isDirectory()) return 'directory';
  if (stats.isFile()) return 'file';
  return undefined;
}

export class LocalTree implements SourceTree {
  readonly name: string;
  readonly #root: string;

  constructor(root: string) {
    this.#root = path.resolve(root);
    this.name = this.#root;
  }

  #absolute(relative: string): string {
    return path.join(this.#root, normalizeTreePath(relative));
  }

  async stat(target: string): Promise<EntryType | undefined> {
    // Every component is checked, so a symlinked parent folder is reported too.
    const parts = normalizeTreePath(target).split('/').filter(Boolean);
    let current = this.#root;
    let type: EntryType | undefined = 'directory';
    for (const part of parts) {
      if (type !== 'directory') return undefined;
      current = path.join(current, part);
      const stats = await fs.lstat(current).catch(() => undefined);
      if (!stats) return undefined;
      type = typeOf(stats);
    }
    return type;
  }

  async list(directory: string, recursive: boolean): Promise<TreeEntry[]> {
    const base = normalizeTreePath(directory);
    if ((await this.stat(base)) !== 'directory') return [];
    const out: TreeEntry[] = [];
    const walk = async (relative: string): Promise<void> => {
      const entries = await fs.readdir(this.#absolute(relative), { withFileTypes: true });
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        if (entry.name === '.git' && relative === '') continue;
        const type = typeOf(entry);
        if (!type) continue;
        const child = relative ? `${relative}/${entry.name}` : entry.name;
        out.push({ path: child, type });
        if (recursive && type === 'directory') await walk(child);
      }
    };
    await walk(base);
    return out;
  }

  async readFile(target: string): Promise<Buffer> {
    if ((await this.stat(target)) !== 'file') throw new InvalidSourceError('InvalidPath', `${this.name}: ${target} is not a file`);
    return fs.readFile(this.#absolute(target));
  }

  async snapshot(target: string): Promise<void> {
    for (const entry of await this.list('', true)) {
      const destination = path.join(target, entry.path);
      if (entry.type === 'directory') await fs.mkdir(destination, { recursive: true });
      else if (entry.type === 'file') {
        await fs.mkdir(path.dirname(destination), { recursive: true });
        await fs.copyFile(this.#absolute(entry.path), destination);
      }
    }
    await fs.mkdir(target, { recursive: true });
  }
}
