/**
 * `source.verify` applied to the revision a reconcile is about to deploy: the
 * commit (mode HEAD), the annotated tag targetRevision resolved to (Tag), or
 * both, each read raw from the cache and judged by verify-commit.ts. Reads go
 * through a narrow reader so the unit test needs no Git server. A refusal is an
 * InvalidSourceError('VerificationFailed') whose message names the commit (or
 * tag) and why, so the reconcile stops before anything is applied or pruned and
 * is not retried until the revision moves.
 */
import { InvalidSourceError } from '../errors.ts';
import type { ResolvedRevision } from './git-source.ts';
import { verifyCommit, verifyTag, type TrustedKeys, type Verdict } from './verify-commit.ts';
import { taggedObject } from './verify-objects.ts';

export type VerifyMode = 'HEAD' | 'Tag' | 'TagAndHEAD';

/** What verifying needs of a Git source: the revision's objects on hand, raw, and the tag object a ref names. */
export interface SignedObjectReader {
  /** Brings the revision's commit (and its tag object) into the cache; shared with the render's own fetch. */
  fetch(revision: ResolvedRevision): Promise<void>;
  rawObject(oid: string): Promise<{ type: string; bytes: Uint8Array } | undefined>;
  /** The raw tag object `oid` of tag `name`, fetched when not cached (a tag of a commit already held arrives with no fetch). */
  rawTag(name: string, oid: string): Promise<{ type: string; bytes: Uint8Array } | undefined>;
  /** The object id `refs/tags/<name>` names on the server: a tag object's for an annotated tag, the commit's for a lightweight one. */
  tagObjectId(name: string): Promise<string | undefined>;
}

export interface VerifiedRevision {
  /** Who signed what, for the log: `commit 3f2c...: dev@example.com SHA256:...`. */
  readonly signers: readonly string[];
}

function refuse(message: string): never {
  throw new InvalidSourceError('VerificationFailed', `source.verify: ${message}; nothing is applied or pruned until a trusted revision arrives`);
}

function raw(object: { type: string; bytes: Uint8Array } | undefined, type: string, what: string): Uint8Array {
  if (!object) refuse(`${what} is not in the cache after the fetch`);
  if (object.type !== type) refuse(`${what} is a ${object.type}, not a ${type}`);
  return object.bytes;
}

function judged(verdict: Verdict): string {
  if (!verdict.trusted) refuse(verdict.message);
  return verdict.signer;
}

export async function verifyRevision(revision: ResolvedRevision, mode: VerifyMode, keys: TrustedKeys, reader: SignedObjectReader): Promise<VerifiedRevision> {
  await reader.fetch(revision);
  const signers: string[] = [];
  if (mode === 'Tag' || mode === 'TagAndHEAD') {
    const name = revision.tag;
    if (name === undefined) refuse(`verify.mode ${mode} needs a tag, but targetRevision ${JSON.stringify(revision.targetRevision)} resolved to a ${revision.kind} (commit ${revision.commit})`);
    const what = `tag ${name} (commit ${revision.commit})`;
    const oid = await reader.tagObjectId(name);
    if (oid === undefined) refuse(`${what} is no longer on the server`);
    if (oid === revision.commit) refuse(`${what} is a lightweight tag, which cannot be signed`);
    const bytes = raw(await reader.rawTag(name, oid), 'tag', what);
    const tagged = taggedObject(bytes);
    // A tag object signs the object it names: a signed tag of another commit vouches for nothing here.
    if (tagged?.object !== revision.commit) refuse(`${what}: the tag names ${tagged?.object ?? 'no object'}, not the commit deployed`);
    signers.push(`${what}: ${judged(await verifyTag(bytes, keys, what))}`);
  }
  if (mode === 'HEAD' || mode === 'TagAndHEAD') {
    const what = `commit ${revision.commit}`;
    signers.push(`${what}: ${judged(await verifyCommit(raw(await reader.rawObject(revision.commit), 'commit', what), keys, what))}`);
  }
  return { signers };
}
