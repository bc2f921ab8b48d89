/**
 * From the facts an adapter read out of a payload to one `PushEvent`: one place
 * decides what "created" and "deleted" mean (the flags a provider sends, or the
 * all-zero id) and how far the listed files can be trusted.
 */
import type { ChangedPaths, ProviderName, PushEvent } from './push-event.ts';

const zeroSha = /^0+$/;

/** The all-zero object id providers use for "no commit" (a created or deleted ref). */
export function isZeroSha(sha: string): boolean {
  return zeroSha.test(sha);
}

export interface CommitFiles {
  readonly added?: readonly string[] | null;
  readonly modified?: readonly string[] | null;
  readonly removed?: readonly string[] | null;
}

/** Where the changed files come from. */
export type FileSource =
  /** The commits of the payload, each listing its files (GitHub, GitLab, Gitea). */
  | {
      readonly from: 'commits';
      /** Undefined when the payload has no commit list at all. */
      readonly commits: readonly CommitFiles[] | undefined;
      /** Why the list may be cut short, when the adapter can tell. */
      readonly truncated: string | undefined;
      /** Gitea marshals an empty list as `null`; elsewhere a missing list means "unknown". */
      readonly nullMeansEmpty: boolean;
    }
  /** A list the sender vouches for (the generic provider). */
  | { readonly from: 'list'; readonly paths: readonly string[] }
  /** The payload lists no files (Bitbucket). */
  | { readonly from: 'none'; readonly reason: string };

export interface PushFacts {
  readonly provider: ProviderName;
  readonly deliveryId: string | undefined;
  readonly urls: readonly string[];
  readonly projectPath?: string | undefined;
  readonly name?: string | undefined;
  readonly defaultBranch?: string | undefined;
  readonly ref: string;
  /** Lower-case hex, all zeros for a created ref, undefined when the payload does not say. */
  readonly before: string | undefined;
  /** Lower-case hex, all zeros or undefined for a deleted ref. */
  readonly after: string | undefined;
  /** The provider's own flags, where it sends them; the zero id decides otherwise. */
  readonly created?: boolean | undefined;
  readonly deleted?: boolean | undefined;
  readonly forced?: boolean | undefined;
  readonly files: FileSource;
}

function unavailable(reason: string): ChangedPaths {
  return { status: 'unavailable', reason };
}

function pathsFromCommits(forced: boolean | undefined, source: Extract<FileSource, { from: 'commits' }>): ChangedPaths {
  if (source.commits === undefined) return unavailable('the payload has no commit list');
  // No listed commit, yet the ref moved: it moved back (or onto commits the
  // provider did not list), and files changed all the same.
  if (source.commits.length === 0) return unavailable('the payload lists no commits: the ref may have moved back; compare before..after');
  const paths = new Set<string>();
  let filesMissing = false;
  for (const commit of source.commits) {
    for (const files of [commit.added, commit.modified, commit.removed]) {
      if (files === undefined || files === null) {
        if (!source.nullMeansEmpty) filesMissing = true;
        continue;
      }
      for (const file of files) if (file !== '') paths.add(file);
    }
  }
  const partialBecause = filesMissing
    ? 'some listed commits do not list their files'
    : forced === true
      ? 'force push: the files of the commits it replaced are not listed'
      : source.truncated;
  return partialBecause === undefined
    ? { status: 'complete', paths: [...paths] }
    : { status: 'partial', paths: [...paths], reason: partialBecause };
}

function changedPaths(created: boolean, deleted: boolean, forced: boolean | undefined, files: FileSource): ChangedPaths {
  if (deleted) return unavailable('the ref was deleted');
  if (created) return unavailable('the ref was created: there is no earlier commit to compare with');
  switch (files.from) {
    case 'commits':
      return pathsFromCommits(forced, files);
    case 'list':
      return { status: 'complete', paths: [...new Set(files.paths.filter((path) => path !== ''))] };
    case 'none':
      return unavailable(files.reason);
  }
}

export function buildPushEvent(facts: PushFacts): PushEvent {
  const deleted = facts.deleted === true || facts.after === undefined || isZeroSha(facts.after);
  const created = !deleted && (facts.created === true || (facts.before !== undefined && isZeroSha(facts.before)));
  const before = facts.before === undefined || isZeroSha(facts.before) ? undefined : facts.before;
  const common = {
    provider: facts.provider,
    ...(facts.deliveryId === undefined ? {} : { deliveryId: facts.deliveryId }),
    repository: {
      urls: facts.urls,
      ...(facts.name ? { name: facts.name } : {}),
      ...(facts.projectPath ? { projectPath: facts.projectPath } : {}),
      ...(facts.defaultBranch ? { defaultBranch: facts.defaultBranch } : {}),
    },
    ref: facts.ref,
    ...(before === undefined ? {} : { before }),
    created,
    ...(facts.forced === undefined ? {} : { forced: facts.forced }),
    changedPaths: changedPaths(created, deleted, facts.forced, facts.files),
  };
  return deleted ? { ...common, deleted: true } : { ...common, deleted: false, after: facts.after };
}
