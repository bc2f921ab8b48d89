/**
 * Resolves an Application's `targetRevision` against the refs a server
 * advertises, without touching the network or the disk: a branch, a tag, a full
 * ref name, HEAD, a commit SHA, or a semver range over tags (the highest
 * matching tag wins). Pure, so each rule has a unit test.
 */
import semver from 'semver';

/** A ref as the server advertises it; `peeled` is the commit an annotated tag points to. */
export interface AdvertisedRef {
  ref: string;
  oid: string;
  peeled?: string;
  target?: string;
}

export const RevisionKind = {
  Branch: 'branch',
  Tag: 'tag',
  Head: 'head',
  Commit: 'commit',
  SemverRange: 'semver',
} as const;
export type RevisionKind = (typeof RevisionKind)[keyof typeof RevisionKind];

export type RevisionResolution =
  /** A ref the server advertises; fetch `ref`, deploy `commit`. */
  | { found: true; kind: RevisionKind; ref: string; commit: string; tag?: string }
  /** A commit id (full or abbreviated): only the local cache, or a full fetch, can tell. */
  | { found: false; kind: 'commit'; sha: string }
  | { found: false; kind: 'missing'; reason: string };

const fullSha = /^[0-9a-f]{40}$/;
const abbreviatedSha = /^[0-9a-f]{4,39}$/;

/** The commit a ref stands for (annotated tags are peeled). */
export function commitOf(ref: AdvertisedRef): string {
  return ref.peeled ?? ref.oid;
}

function exact(refs: readonly AdvertisedRef[], name: string): RevisionResolution | undefined {
  const byName = new Map(refs.map((ref) => [ref.ref, ref]));
  if (name === 'HEAD') {
    const head = byName.get('HEAD');
    return head ? { found: true, kind: 'head', ref: 'HEAD', commit: commitOf(head) } : undefined;
  }
  const candidates = name.startsWith('refs/') ? [name] : [`refs/heads/${name}`, `refs/tags/${name}`];
  for (const candidate of candidates) {
    const ref = byName.get(candidate);
    if (!ref) continue;
    if (candidate.startsWith('refs/tags/')) {
      return { found: true, kind: 'tag', ref: candidate, commit: commitOf(ref), tag: candidate.slice('refs/tags/'.length) };
    }
    return { found: true, kind: 'branch', ref: candidate, commit: commitOf(ref) };
  }
  return undefined;
}

/** True when a revision names no ref but reads as a semver range (`^1.2`, `~2`, `>=1.0.0 <2`, `1.x`, `*`). */
export function isSemverRange(revision: string): boolean {
  return semver.validRange(revision) !== null && semver.valid(revision) === null;
}

export function resolveRevision(refs: readonly AdvertisedRef[], targetRevision: string): RevisionResolution {
  const revision = targetRevision.trim();
  const named = exact(refs, revision);
  if (named) return named;

  const lower = revision.toLowerCase();
  if (fullSha.test(lower)) {
    const advertised = refs.find((ref) => commitOf(ref) === lower && ref.ref !== 'HEAD');
    return advertised
      ? { found: true, kind: 'commit', ref: advertised.ref, commit: lower }
      : { found: false, kind: 'commit', sha: lower };
  }

  if (isSemverRange(revision) || semver.valid(revision) !== null) {
    const tags = new Map<string, AdvertisedRef>();
    for (const ref of refs) {
      if (!ref.ref.startsWith('refs/tags/') || ref.ref.endsWith('^{}')) continue;
      const version = semver.valid(ref.ref.slice('refs/tags/'.length), { loose: true });
      // v1.2.3 and 1.2.3 both tagged: keep the first seen; they name the same version.
      if (version && !tags.has(version)) tags.set(version, ref);
    }
    const best = semver.maxSatisfying([...tags.keys()], revision, { loose: true });
    const ref = best ? tags.get(best) : undefined;
    if (ref) {
      return { found: true, kind: 'semver', ref: ref.ref, commit: commitOf(ref), tag: ref.ref.slice('refs/tags/'.length) };
    }
    if (!abbreviatedSha.test(lower)) {
      return { found: false, kind: 'missing', reason: `no tag matches the semver range ${revision} (among ${tags.size} version tags)` };
    }
  }

  if (abbreviatedSha.test(lower)) return { found: false, kind: 'commit', sha: lower };
  return { found: false, kind: 'missing', reason: `no branch or tag named ${revision}` };
}
