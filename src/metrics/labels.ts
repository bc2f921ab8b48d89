/**
 * Label values Berth may put on a metric. Metrics are scraped by whoever can
 * reach /metrics and stored for weeks, so a label value never carries a secret
 * and never grows a series per request: anything URL-like loses its user-info
 * (`https://user:token@host` -> `https://host`), values are cut to a bounded
 * length, and free-form values from callers are reduced to a small token alphabet.
 */

/** The longest label value kept; a commit SHA-256 (64 hex digits) fits. */
export const maxLabelLength = 128;

const userInfo = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi;

/** Removes credentials from anything URL-like in `value`. */
export function withoutCredentials(value: string): string {
  return value.replace(userInfo, '$1');
}

/** A label value that carries no credentials and has a bounded length. */
export function safeLabel(value: string | undefined, fallback = 'unknown'): string {
  if (value === undefined || value === '') return fallback;
  return withoutCredentials(value).slice(0, maxLabelLength);
}

/**
 * A label value from a closed vocabulary the caller should keep to (a result
 * such as `accepted`): lowercase letters, digits, `_` and `-`, at most 32; any
 * other value becomes `other`, so a caller's slip cannot create unbounded series.
 */
export function tokenLabel(value: string): string {
  const lower = value.toLowerCase();
  return /^[a-z0-9_-]{1,32}$/.test(lower) ? lower : 'other';
}
