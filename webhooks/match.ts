/**
 * The three matching questions in the order the controller asks them for one
 * Application: same repository? a ref its targetRevision follows? its folders
 * touched? The answer says what to do with the Application and why.
 */
import { pushTouchesPaths } from './paths.ts';
import type { PushEvent } from './push-event.ts';
import { normalizeRepositoryUrl, repositoryProjectPath } from './repository-url.ts';
import { refMatchesRevision } from './revision.ts';

/** The parts of an Application's `spec.source` that matching reads. */
export interface WatchedSource {
  readonly repoURL: string;
  /** Default `HEAD`. */
  readonly targetRevision?: string | undefined;
  /** Default `.`, the whole repository. */
  readonly path?: string | undefined;
  /** More folders whose changes concern the Application (a Kustomize base, shared values). */
  readonly watchPaths?: readonly string[] | undefined;
  /** `false`: any push to the followed ref concerns the Application, whatever it changed. Default true. */
  readonly changedPathFilter?: boolean | undefined;
}

/**
 * - `queue`: the push concerns the Application;
 * - `skip`: another repository, a ref it does not follow, or files outside its folders;
 * - `compare`: repository and ref match but the payload does not list (all) the
 *   files: compare the Application's synced revision with `event.after` to decide.
 */
export interface PushMatch {
  readonly verdict: 'queue' | 'skip' | 'compare';
  readonly reason: string;
}

/** Normalized keys of an event's repository URLs; compute once per delivery, not per Application. */
export function repositoryKeys(event: PushEvent): ReadonlySet<string> {
  return new Set(event.repository.urls.map(normalizeRepositoryUrl).filter((key) => key !== ''));
}

/** A payload naming its repository by project key and slug alone matches that path on any host (see PushedRepository.projectPath). */
function isProjectPathOf(event: PushEvent, repoURL: string): boolean {
  const { projectPath } = event.repository;
  return projectPath !== undefined && projectPath !== '' && repositoryProjectPath(repoURL) === projectPath;
}

export function matchPush(event: PushEvent, source: WatchedSource, keys: ReadonlySet<string> = repositoryKeys(event)): PushMatch {
  const repo = normalizeRepositoryUrl(source.repoURL);
  if (repo === '' || !(keys.has(repo) || isProjectPathOf(event, source.repoURL))) return { verdict: 'skip', reason: 'another repository' };
  const revision = source.targetRevision ?? 'HEAD';
  if (!refMatchesRevision(event.ref, revision, { defaultBranch: event.repository.defaultBranch })) {
    return { verdict: 'skip', reason: `${event.ref} does not move ${revision}` };
  }
  if (event.deleted) return { verdict: 'queue', reason: `${event.ref} was deleted` };
  if (event.created) return { verdict: 'queue', reason: `${event.ref} was created` };
  if (source.changedPathFilter === false) return { verdict: 'queue', reason: `${event.ref} moved` };
  const folders = [source.path ?? '.', ...(source.watchPaths ?? [])];
  switch (pushTouchesPaths(event.changedPaths, folders)) {
    case 'touched':
      return { verdict: 'queue', reason: `${event.ref} changed files under ${folders.join(', ')}` };
    case 'untouched':
      return { verdict: 'skip', reason: `${event.ref} changed nothing under ${folders.join(', ')}` };
    case 'unknown':
      return {
        verdict: 'compare',
        reason: event.changedPaths.status === 'complete' ? 'changed files unknown' : event.changedPaths.reason,
      };
  }
}
