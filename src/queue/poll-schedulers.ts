/**
 * Periodic polling, scheduled in Redis: one BullMQ Job Scheduler per
 * (repository URL, ref), however many Applications track it and however many
 * replicas run. A scheduler's id is derived from the key alone, so two
 * replicas upserting the same target touch the same scheduler, and BullMQ
 * gives each tick one job id, so a tick is processed once.
 *
 * `syncSchedulers` makes the set in Redis match the desired set: it creates
 * and updates (interval change) schedulers, and removes those no Application
 * needs any more, whichever replica created them.
 *
 * Jitter: each key polls at a fixed offset within its interval derived from a
 * hash of the key (ticks fall at `k * every + offset`), so every replica
 * computes the same schedule and 1,000 repositories on a 3-minute interval poll
 * spread over those 3 minutes rather than in the same second.
 */
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import { jobCountsByState, type JobCounts } from './job-counts.ts';
import { redisConnectionOptions, type ResolvedQueueOptions } from './options.ts';
import { redactUrlCredentials } from '../log.ts';

/** One (repository, ref) to poll. `key` identifies it (e.g. normalized URL and ref). */
export interface PollTarget {
  key: string;
  repoURL: string;
  ref: string;
  everyMs: number;
}

/** The data of a poll job. */
export interface PollJob {
  key: string;
  repoURL: string;
  ref: string;
}

export interface SchedulerChanges {
  created: string[];
  updated: string[];
  removed: string[];
}

export const pollJobName = 'poll';
const schedulerIdPrefix = 'poll-';

/** The scheduler id of a key: a hash, since BullMQ reserves colon-separated ids and URLs contain colons. */
export function pollSchedulerId(key: string): string {
  return schedulerIdPrefix + createHash('sha256').update(key).digest('hex').slice(0, 32);
}

/** Where in its interval a key polls, in [1, everyMs): the same on every replica. */
export function pollOffsetMs(key: string, everyMs: number): number {
  const interval = Math.max(2, Math.floor(everyMs));
  const hash = createHash('sha256').update(key).digest().readUIntBE(0, 6);
  // Never 0: BullMQ reads an offset of 0 as "no offset" and polls at once.
  return 1 + (hash % (interval - 1));
}

/** One target per key; Applications sharing a key poll at the shortest interval any of them asks for. */
export function mergePollTargets(targets: readonly PollTarget[]): Map<string, PollTarget> {
  const merged = new Map<string, PollTarget>();
  for (const target of targets) {
    if (!Number.isFinite(target.everyMs) || target.everyMs < 1_000) {
      throw new RangeError(`poll target ${target.key}: everyMs must be at least 1000, got ${target.everyMs}`);
    }
    const seen = merged.get(target.key);
    if (seen === undefined || target.everyMs < seen.everyMs) merged.set(target.key, { ...target, everyMs: Math.floor(target.everyMs) });
  }
  return merged;
}

export class PollSchedulers {
  readonly queue: Queue<PollJob>;
  readonly #options: ResolvedQueueOptions;

  constructor(options: ResolvedQueueOptions) {
    this.#options = options;
    this.queue = new Queue<PollJob>(options.pollQueueName, { connection: redisConnectionOptions(options), prefix: options.prefix });
    this.queue.on('error', (error) => { options.log.warn({ err: error, queue: options.pollQueueName }, 'poll queue: Redis error'); });
  }

  /** Makes the schedulers in Redis match `desired` (several entries may share a key). */
  async syncSchedulers(desired: readonly PollTarget[]): Promise<SchedulerChanges> {
    const targets = mergePollTargets(desired);
    const wanted = new Map([...targets.values()].map((target) => [pollSchedulerId(target.key), target]));
    const existing = await this.queue.getJobSchedulers(0, -1);
    const changes: SchedulerChanges = { created: [], updated: [], removed: [] };

    for (const scheduler of existing) {
      if (!scheduler.key.startsWith(schedulerIdPrefix) || wanted.has(scheduler.key)) continue;
      if (await this.queue.removeJobScheduler(scheduler.key)) changes.removed.push(scheduler.template?.data?.key ?? scheduler.key);
    }
    const byId = new Map(existing.map((scheduler) => [scheduler.key, scheduler]));
    for (const [id, target] of wanted) {
      const offset = pollOffsetMs(target.key, target.everyMs);
      const current = byId.get(id);
      // Job data is readable by anyone with Redis access: never a URL's credentials, even if one slipped past validation.
      const data: PollJob = { key: target.key, repoURL: redactUrlCredentials(target.repoURL), ref: target.ref };
      const unchanged = current !== undefined && current.every === target.everyMs && current.offset === offset &&
        current.template?.data?.repoURL === data.repoURL && current.template.data.ref === data.ref && current.template.data.key === data.key;
      if (unchanged) continue;
      await this.queue.upsertJobScheduler(id, { every: target.everyMs, offset }, {
        name: pollJobName,
        data,
        opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
      });
      (current === undefined ? changes.created : changes.updated).push(target.key);
    }
    if (changes.created.length + changes.updated.length + changes.removed.length > 0) {
      this.#options.log.info({ ...changes }, 'poll schedulers updated');
    }
    return changes;
  }

  /** The targets scheduled in Redis now, by key. */
  async scheduled(): Promise<Map<string, PollTarget & { offsetMs: number }>> {
    const result = new Map<string, PollTarget & { offsetMs: number }>();
    for (const scheduler of await this.queue.getJobSchedulers(0, -1)) {
      const data = scheduler.template?.data;
      if (!scheduler.key.startsWith(schedulerIdPrefix) || data === undefined || scheduler.every === undefined) continue;
      result.set(data.key, { ...data, everyMs: scheduler.every, offsetMs: scheduler.offset ?? 0 });
    }
    return result;
  }

  async depth(): Promise<JobCounts> {
    return await jobCountsByState(this.queue);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
