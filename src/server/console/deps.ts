/**
 * What the console's server side is handed beside the API's own dependencies:
 * the session store, the per-replica index of list rows, the change feed, and a
 * reader of live objects for the resource tree and the "why not drift" answer.
 * Each is optional so the API runs (and its tests stand up) without them; a
 * console route whose part is missing answers 503 saying which.
 */
import type { RateLimitOptions } from '../rate-limit.ts';
import type { ChangeFeed, SummaryIndex } from './change-feed.ts';
import type { LiveReader } from './live-reader.ts';
import type { SessionStore } from './session-store.ts';


export interface ConsoleDeps {
  sessions?: SessionStore;
  /** Set `Secure` on the cookie even when the request came over plain HTTP (a TLS proxy in front). */
  secureCookies?: boolean;
  /** Sign-in attempts per address. */
  signInRateLimit?: RateLimitOptions;
  /** Where the built console is; default console/dist of this package. */
  distDir?: string;
  summaries?: SummaryIndex;
  feed?: ChangeFeed;
  live?: LiveReader;
  /** Concurrent event streams one session (or token, or address) may hold. */
  maxStreamsPerPrincipal?: number;
  /** Milliseconds between heartbeats of an event stream. */
  heartbeatMs?: number;
}

export const consoleDefaults = {
  signInRateLimit: { perMinute: 10, burst: 10 },
  maxStreamsPerPrincipal: 4,
  heartbeatMs: 15_000,
} as const;
