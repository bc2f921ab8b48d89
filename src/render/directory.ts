/**
 * The plain-directory renderer: every `.yaml`, `.yml` and `.json` file under the
 * Application's path (subfolders when `recurse`), narrowed by include/exclude
 * globs matched against the path relative to the Application's path. Files
 * are read in path order, so the output order is stable. A symlink that would
 * be read is an error, never followed: it could point outside the path. A file
 * larger than `maxManifestFileBytes` is refused before it is parsed, and the
 * render stops once the files read together pass `maxRenderBytes` (issue #13:
 * twenty files just under the per-file cap once parsed past 1 GiB).
 */
import path from 'node:path';
import type { DirectorySource } from '../application/source-spec.ts';
import { InvalidSourceError } from '../errors.ts';
import { parseManifestFile, type Manifest } from './manifests.ts';
import type { SourceTree } from '../source/source-tree.ts';

const manifestExtension = /\.(ya?ml|json)$/i;

/** Bytes one manifest file may have: ten times the largest object the API server accepts. */
export const maxManifestFileBytes = 32 * 1024 * 1024;

function matchesAny(relative: string, globs: readonly string[]): boolean {
  return globs.some((glob) => path.posix.matchesGlob(relative, glob) || path.posix.matchesGlob(path.posix.basename(relative), glob));
}

export async function renderDirectory(tree: SourceTree, appPath: string, options: DirectorySource, maxRenderBytes = Infinity): Promise<Manifest[]> {
  const prefix = appPath ? `${appPath}/` : '';
  const manifests: Manifest[] = [];
  let bytesRead = 0;
  for (const entry of await tree.list(appPath, options.recurse)) {
    const relative = entry.path.slice(prefix.length);
    const wanted = (options.include.length > 0 ? matchesAny(relative, options.include) : manifestExtension.test(relative))
      && !matchesAny(relative, options.exclude);
    if (entry.type === 'symlink' && (wanted || (options.recurse && !path.posix.extname(relative)))) {
      throw new InvalidSourceError('InvalidPath', `${entry.path}: is a symlink; Berth does not follow symlinks in an Application's path`);
    }
    if (entry.type !== 'file' || !wanted) continue;
    const content = await tree.readFile(entry.path);
    if (content.byteLength > maxManifestFileBytes) {
      throw new InvalidSourceError('InvalidManifest', `${entry.path}: is ${content.byteLength} bytes, more than the ${maxManifestFileBytes} one manifest file may have`);
    }
    bytesRead += content.byteLength;
    if (bytesRead > maxRenderBytes) {
      throw new InvalidSourceError('InvalidManifest',
        `${appPath || '.'}: its manifests are more than ${maxRenderBytes} bytes together, the limit of one Application's render (stopped at ${entry.path})`);
    }
    const text = content.toString('utf8');
    manifests.push(...parseManifestFile(text, entry.path));
  }
  return manifests;
}
