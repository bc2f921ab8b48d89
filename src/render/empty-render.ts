/**
 * Why a render has no objects, in words a person can act on (issue 21): a
 * folder of `.jsonnet` files renders nothing, and deploying that as a success
 * reports Synced and Healthy while nothing runs. The controller refuses an
 * empty render unless `allowEmpty` is set; this module only says what the
 * folder holds, so the refusal names it: counts by file extension, with a hint
 * for formats Berth does not render.
 */
import path from 'node:path';
import { normalizeTreePath, type SourceTree, type TreeEntry } from '../source/source-tree.ts';
import type { RenderKind } from './render.ts';

/** Formats people keep manifests in that Berth does not render, by extension. */
const unsupported: Readonly<Record<string, string>> = {
  '.jsonnet': 'Jsonnet is not supported',
  '.libsonnet': 'Jsonnet is not supported',
  '.cue': 'CUE is not supported',
  '.tf': 'Terraform is not supported',
  '.hcl': 'HCL (Terraform) is not supported',
};

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * What the files of a folder are, e.g. `3 .jsonnet files, no .yaml/.yml/.json:
 * Jsonnet is not supported`; `empty folder` when it has none. `recursed` says
 * whether subfolders were read, so a folder whose manifests sit one level down
 * says how to read them.
 */
export function describeFolderFiles(entries: readonly Pick<TreeEntry, 'path' | 'type'>[], recursed: boolean): string {
  const files = entries.filter((entry) => entry.type === 'file');
  const subfolders = entries.filter((entry) => entry.type === 'directory').length;
  if (files.length === 0) {
    return subfolders > 0 && !recursed ? `no files, ${plural(subfolders, 'subfolder')} (read only with directory.recurse: true)` : 'empty folder';
  }
  const counts = new Map<string, number>();
  for (const file of files) {
    const extension = path.posix.extname(file.path).toLowerCase() || '(no extension)';
    counts.set(extension, (counts.get(extension) ?? 0) + 1);
  }
  const sorted = [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const parts = sorted.map(([extension, count]) => (extension === '(no extension)' ? `${plural(count, 'file')} without extension` : plural(count, `${extension} file`)));
  const manifests = sorted.filter(([extension]) => manifestExtensions.has(extension)).reduce((sum, [, count]) => sum + count, 0);
  const hints = [...new Set(sorted.flatMap(([extension]) => unsupported[extension] ?? []))];
  const summary = manifests === 0
    ? `${parts.join(', ')}, no .yaml/.yml/.json`
    : `${parts.join(', ')}; the manifest files hold no objects (or include/exclude select none)`;
  const subfolderNote = subfolders > 0 && !recursed ? `; ${plural(subfolders, 'subfolder')} not read (directory.recurse is false)` : '';
  return `${summary}${hints.length > 0 ? `: ${hints.join('; ')}` : ''}${subfolderNote}`;
}

/**
 * The message of an empty render of `appPath`: `<path>: renders no objects:
 * <what the folder holds>; set syncPolicy.automated.allowEmpty ...`. It starts
 * with the folder, as every render error does.
 */
export async function emptyRenderMessage(tree: SourceTree, appPath: string, kind: RenderKind, recurse: boolean): Promise<string> {
  // The render read this path, so it is one inside the tree.
  const folder = normalizeTreePath(appPath);
  const shown = folder || '.';
  let found: string;
  if ((await tree.stat(folder)) !== 'directory') {
    found = 'folder not found';
  } else if (kind === 'helm') {
    found = 'the chart\'s templates render no objects with these values';
  } else if (kind === 'kustomize') {
    found = 'kustomize build prints no objects';
  } else {
    found = describeFolderFiles(await tree.list(folder, recurse), recurse);
  }
  return `${shown}: renders no objects: ${found}; set syncPolicy.automated.allowEmpty: true to deploy an empty set`;
}
