/**
 * How every replica learns that an Application changed on any replica: the
 * status store appends one entry to a Redis stream (`<prefix>:console-events`,
 * trimmed to about 10,000 entries) in the same MULTI that writes the status,
 * and keeps each Application's list row in a hash (`<prefix>:app-summaries`).
 * Each replica runs one blocking XREAD on its own connection, however many
 * browsers listen, keeps the rows of every Application in memory (so a list
 * page costs no Redis round trip at all), and fans each entry out to its event
 * streams. A stream rather than pub/sub because a browser that reconnects says
 * the last id it saw (`Last-Event-ID`) and gets what it missed.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from '../../log.ts';
import { appSummarySchema, type AppSummary } from './app-summary.ts';

export const changeKinds = ['status', 'drift', 'operation'] as const;
export type ChangeKind = (typeof changeKinds)[number];

export interface FeedEvent {
  /** The stream entry id, `<ms>-<seq>`. */
  id: string;
  app: string;
  changed: ChangeKind;
}

export interface ChangeFeed {
  /** Called for every entry after this replica's rows were updated by it. */
  subscribe(listener: (event: FeedEvent) => void): () => void;
  /** Entries after `id`, oldest first; undefined when they are no longer all kept (the client must resync). */
  replay(id: string): Promise<FeedEvent[] | undefined>;
}

export interface SummaryIndex {
  summary(app: string): AppSummary | undefined;
}

export const streamIdPattern = /^\d{1,20}-\d{1,20}$/;
const maxStreamLength = 10_000;
const maxReplay = 1_000;
const blockMs = 5_000;

export const changeStreamKey = (prefix: string): string => `${prefix}:console-events`;
export const summariesKey = (prefix: string): string => `${prefix}:app-summaries`;

/** Adds the change (and the new row, when the status changed) to a MULTI of the status store. */
export function recordChange(multi: ChainableCommander, prefix: string, app: string, changed: ChangeKind, summary?: AppSummary): ChainableCommander {
  if (summary) multi.hset(summariesKey(prefix), app, JSON.stringify(summary));
  return multi.xadd(changeStreamKey(prefix), 'MAXLEN', '~', String(maxStreamLength), '*', 'app', app, 'changed', changed, ...(summary ? ['summary', JSON.stringify(summary)] : []));
}

/** Drops the row of an Application that was deleted, so the hash (and every replica's rows, at its next load) do not grow for ever. */
export async function forgetApplication(redis: Pick<Redis, 'hdel'>, prefix: string, app: string): Promise<void> {
  await redis.hdel(summariesKey(prefix), app);
}

export function compareStreamIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt);
  return aMs === bMs ? (aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1) : aMs < bMs ? -1 : 1;
}

function parseSummary(text: string | undefined): AppSummary | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = appSummarySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

type StreamEntry = [id: string, fields: string[]];

function fieldsOf(fields: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) map.set(fields[index] ?? '', fields[index + 1] ?? '');
  return map;
}

function eventOf([id, fields]: StreamEntry): { event: FeedEvent; summary: AppSummary | undefined } | undefined {
  const map = fieldsOf(fields);
  const app = map.get('app');
  const changed = map.get('changed') as ChangeKind | undefined;
  if (!app || !changed || !changeKinds.includes(changed)) return undefined;
  return { event: { id, app, changed }, summary: parseSummary(map.get('summary')) };
}

export class RedisChangeFeed implements ChangeFeed, SummaryIndex {
  readonly #redis: Redis;
  readonly #reader: Redis;
  readonly #prefix: string;
  readonly #log: Pick<Logger, 'warn'>;
  readonly #summaries = new Map<string, AppSummary>();
  readonly #listeners = new Set<(event: FeedEvent) => void>();
  #lastId = '0-0';
  #stopped = false;
  #loop: Promise<void> | undefined;
  #stale = false;

  constructor(redis: Redis, options: { prefix: string; log: Pick<Logger, 'warn'> }) {
    this.#redis = redis;
    // A blocking XREAD holds its connection: never the one the rest of the process uses.
    this.#reader = redis.duplicate();
    this.#prefix = options.prefix;
    this.#log = options.log;
    this.#reader.on('error', () => { this.#stale = true; });
  }

  /** Loads every row, then follows the stream from the entry that was last before the load. */
  async start(): Promise<void> {
    await this.#reload();
    this.#loop = this.#follow();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#reader.disconnect();
    await this.#loop;
  }

  #isStopped(): boolean {
    return this.#stopped;
  }

  summary(app: string): AppSummary | undefined {
    return this.#summaries.get(app);
  }

  /** The Application was deleted: its row goes here and in Redis. */
  async forget(app: string): Promise<void> {
    this.#summaries.delete(app);
    await forgetApplication(this.#redis, this.#prefix, app);
  }

  subscribe(listener: (event: FeedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  async replay(id: string): Promise<FeedEvent[] | undefined> {
    if (!streamIdPattern.test(id)) return undefined;
    const key = changeStreamKey(this.#prefix);
    const [first] = (await this.#redis.xrange(key, '-', '+', 'COUNT', 1)) as StreamEntry[];
    // Older than the oldest entry kept: some entries after it may be gone.
    if (first && compareStreamIds(id, first[0]) < 0) return undefined;
    const entries = (await this.#redis.xrange(key, `(${id}`, '+', 'COUNT', maxReplay)) as StreamEntry[];
    if (entries.length >= maxReplay) return undefined;
    return entries.flatMap((entry) => { const parsed = eventOf(entry); return parsed ? [parsed.event] : []; });
  }

  async #reload(): Promise<void> {
    const key = changeStreamKey(this.#prefix);
    const [last] = (await this.#redis.xrevrange(key, '+', '-', 'COUNT', 1)) as StreamEntry[];
    const all = await this.#redis.hgetall(summariesKey(this.#prefix));
    this.#summaries.clear();
    for (const [app, text] of Object.entries(all)) {
      const summary = parseSummary(text);
      if (summary) this.#summaries.set(app, summary);
    }
    if (last && compareStreamIds(last[0], this.#lastId) > 0) this.#lastId = last[0];
  }

  async #follow(): Promise<void> {
    const key = changeStreamKey(this.#prefix);
    let failures = 0;
    while (!this.#stopped) {
      try {
        if (this.#stale) {
          // The reader lost its connection: entries may have been trimmed meanwhile; read every row afresh.
          this.#stale = false;
          await this.#reload();
        }
        const answer: [string, StreamEntry[]][] | null = await this.#reader.xread('COUNT', 1000, 'BLOCK', blockMs, 'STREAMS', key, this.#lastId);
        failures = 0;
        for (const [, entries] of answer ?? []) for (const entry of entries) this.#apply(entry);
      } catch (error) {
        // stop() disconnects the reader, which ends the blocked XREAD with an error.
        if (this.#isStopped()) return;
        failures += 1;
        this.#stale = true;
        if (failures === 1) this.#log.warn({ err: error instanceof Error ? error.message : String(error) }, 'console change feed interrupted; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** failures)));
      }
    }
  }

  #apply(entry: StreamEntry): void {
    this.#lastId = entry[0];
    const parsed = eventOf(entry);
    if (!parsed) return;
    if (parsed.summary) this.#summaries.set(parsed.event.app, parsed.summary);
    for (const listener of this.#listeners) {
      try {
        listener(parsed.event);
      } catch (error) {
        this.#log.warn({ err: error instanceof Error ? error.message : String(error) }, 'console event listener failed');
      }
    }
  }
}
