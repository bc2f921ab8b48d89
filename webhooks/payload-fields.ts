/**
 * zod schemas for the fields every provider's payload shares: commit ids, refs,
 * URLs, file lists. Objects built from them keep zod's default of ignoring
 * unknown keys, so a provider adding fields never breaks a delivery.
 */
import { z } from 'zod';

/** A full object id: 40 hex digits (SHA-1) or 64 (SHA-256 repositories); lower-cased. */
export const commitSha = z
  .string()
  .regex(/^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/, 'expected a full commit SHA (40 or 64 hex digits)')
  .transform((sha) => sha.toLowerCase());

/** Git refuses spaces and control characters in ref names (git-check-ref-format). */
function isPlainRefText(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x20 || code === 0x7f) return false;
  }
  return text.length > 0;
}

/** A full ref, `refs/heads/main` or `refs/tags/v1.2.0`. */
export const fullRef = z
  .string()
  .max(1024)
  .refine((ref) => ref.startsWith('refs/') && ref.length > 5 && isPlainRefText(ref), 'expected a full ref such as refs/heads/main');

/** A short ref name as Bitbucket and Gitea's delete event give it: `main`, `v1.2.0`. */
export const refName = z.string().max(1024).refine(isPlainRefText, 'expected a branch or tag name');

export const urlString = z.string().min(1).max(4096);

/** A file list of a commit; `null` where Gitea marshals an empty Go slice. */
export const fileList = z.array(z.string().max(4096)).nullish();

/** Non-negative integer counters such as `total_commits_count`. */
export const count = z.number().int().nonnegative();
