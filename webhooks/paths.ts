/**
 * Does a push touch an Application's folder? Paths are repository-relative and
 * compared segment by segment and case-sensitively, as Git stores them:
 * `apps/web2/x.yaml` is not inside `apps/web`, `Apps/web` is not `apps/web`.
 * `.`, `/` and '' stand for the whole repository.
 *
 * What a path list cannot show: files outside the folder that the render reads
 * (a Kustomize base in `../base`, a Helm value file elsewhere, a symlink's
 * target). Pass those folders too (the Application's `watchPaths`).
 */
import type { ChangedPaths } from './push-event.ts';

/** `./apps//web/` -> `apps/web`; '' for the root; undefined for a path that leaves the repository. */
export function normalizeRepositoryPath(path: string): string | undefined {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.pop() === undefined) return undefined;
      continue;
    }
    segments.push(segment);
  }
  return segments.join('/');
}

function isInside(changed: string, folder: string): boolean {
  return folder === '' || changed === folder || changed.startsWith(`${folder}/`);
}

/** Whether any changed path is the folder, or inside it, for any of the folders given. */
export function pathsTouch(changedPaths: readonly string[], appPaths: string | readonly string[]): boolean {
  const folders = (typeof appPaths === 'string' ? [appPaths] : appPaths)
    .map(normalizeRepositoryPath)
    .filter((folder): folder is string => folder !== undefined);
  if (folders.length === 0) return false;
  return changedPaths.some((path) => {
    const changed = normalizeRepositoryPath(path);
    return changed !== undefined && changed !== '' && folders.some((folder) => isInside(changed, folder));
  });
}

/**
 * What an event's changed paths say about the folders: `touched`, `untouched`,
 * or `unknown` when the payload does not list (all) the files, in which case
 * compare the commits.
 */
export function pushTouchesPaths(changedPaths: ChangedPaths, appPaths: string | readonly string[]): 'touched' | 'untouched' | 'unknown' {
  if (changedPaths.status === 'unavailable') return 'unknown';
  if (pathsTouch(changedPaths.paths, appPaths)) return 'touched';
  return changedPaths.status === 'complete' ? 'untouched' : 'unknown';
}
