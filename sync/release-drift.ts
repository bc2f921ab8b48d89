/**
 * Kept for existing imports (sync/release.ts, bench/apply.ts): the drift rule
 * lives in drift.ts and is the engine's default, so callers need not pass it.
 */
export { diffHasDrifted } from './drift.ts';
