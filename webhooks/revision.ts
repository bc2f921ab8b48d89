/**
 * Does a pushed ref move what an Application's `targetRevision` resolves to?
 *
 * - `HEAD` or empty: the repository's default branch. Given `defaultBranch` (the
 *   payload often carries it: `event.repository.defaultBranch`), only a push to
 *   that branch matches; without it, any branch push matches, because a missed
 *   push waits for the next poll while a spare one costs only a refresh.
 * - A full ref (`refs/heads/main`, `refs/tags/v1.2.0`): that ref exactly.
 * - A name (`main`, `v1.2.0`, `heads/main`): the branch or tag of that name,
 *   as `git rev-parse` would look it up.
 * - A full commit SHA (40 or 64 hex digits): never; a push cannot move a
 *   pinned commit. A short SHA matches only a ref of that very name.
 * - A semver range (`^1.0.0`, `>=1.2 <2`, `1.x`, `*`, an exact `1.2.0`): any
 *   tag whose name is a version in the range, `v` prefix or not (pre-releases
 *   only when the range names one). Creating, moving or deleting such a tag can
 *   change which tag is the highest match.
 *
 * The range and tag rules are those of the resolver in src/source/revision.ts
 * (node-semver's `validRange`, tags read with `loose`), so a push matches
 * whenever it can change what the resolver picks. That includes names
 * node-semver also reads as ranges: `x` is `*`, `1.x` a release branch and a
 * range, an all-digit short SHA a major version. Those match a spare tag push
 * now and then; a spare refresh is cheap, a missed one waits for the next poll.
 */
import semver from 'semver';

export interface RevisionMatchOptions {
  /** The repository's default branch, to give `HEAD` its meaning. */
  readonly defaultBranch?: string | undefined;
}

const fullSha = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/** `refs/heads/x` -> branch x, `refs/tags/v1` -> tag v1, anything else -> other. */
export function describeRef(ref: string): { readonly type: 'branch' | 'tag' | 'other'; readonly name: string } {
  if (ref.startsWith('refs/heads/')) return { type: 'branch', name: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { type: 'tag', name: ref.slice('refs/tags/'.length) };
  return { type: 'other', name: ref };
}

/** The version a tag name stands for (`v1.4.0` and `1.4.0` -> 1.4.0), read as the resolver reads it; undefined when none. */
export function tagVersion(tagName: string): string | undefined {
  return semver.valid(tagName, { loose: true }) ?? undefined;
}

export function refMatchesRevision(ref: string, targetRevision: string | undefined, options: RevisionMatchOptions = {}): boolean {
  const target = (targetRevision ?? '').trim();
  const pushed = describeRef(ref);
  if (target === '' || target === 'HEAD') {
    if (pushed.type !== 'branch') return false;
    return options.defaultBranch ? pushed.name === options.defaultBranch : true;
  }
  if (fullSha.test(target)) return false;
  const names = target.startsWith('refs/') ? [target] : [`refs/${target}`, `refs/heads/${target}`, `refs/tags/${target}`];
  if (names.includes(ref)) return true;
  if (pushed.type !== 'tag') return false;
  const range = semver.validRange(target);
  const version = tagVersion(pushed.name);
  return range !== null && version !== undefined && semver.satisfies(version, range, { loose: true });
}
