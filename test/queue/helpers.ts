/**
 * What the queue tests share: options with a fresh key prefix per test and
 * timings short enough for a test run, a recorder of reconcile starts and ends
 * kept in one Redis list (Redis orders the entries, whichever process wrote
 * them), worker child processes, and cleanup of everything under the prefix.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { redisUrl, uniqueName } from '../harness/env.ts';
import { startProcess, stopProcess, type ManagedProcess } from '../harness/processes.ts';
import { resolveQueueOptions, type QueueLayerOptions, type ResolvedQueueOptions } from '../../src/queue/options.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** Options for one test: its own prefix, and timings short enough for a test run. */
export function testQueueOptions(overrides: Partial<QueueLayerOptions> = {}): ResolvedQueueOptions {
  return resolveQueueOptions({
    redisUrl: redisUrl(),
    prefix: uniqueName('berth-test-q'),
    retry: { attempts: 3, baseDelayMs: 100, factor: 2, maxDelayMs: 5_000, jitter: 0.5 },
    stalledIntervalMs: 5_000,
    lockDurationMs: 10_000,
    reconnect: { baseDelayMs: 50, maxDelayMs: 500 },
    drainTimeoutMs: 5_000,
    ...overrides,
  });
}

/** A connection for the test itself, closed when the test ends. */
export async function testRedis(t: TestContext, url = redisUrl()): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null });
  await redis.connect();
  t.after(() => { redis.disconnect(); });
  return redis;
}

/** Deletes every key under `prefix` when the test ends. */
export function cleanUpPrefix(t: TestContext, prefix: string, url = redisUrl()): void {
  t.after(async () => {
    const redis = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    } catch {
      // The Redis of a restart test may be gone; nothing of it is left to clean.
    } finally {
      redis.disconnect();
    }
  });
}

/** One entry of the reconcile record. */
export interface RecordEntry {
  event: 'start' | 'end' | 'ready' | 'drained' | 'aborted';
  app?: string;
  reason?: string;
  revision?: string;
  job?: string;
  pid: number;
  at: number;
  finished?: boolean;
}

export function recordKey(prefix: string): string {
  return `${prefix}:test-record`;
}

export async function record(redis: Redis, prefix: string, entry: Omit<RecordEntry, 'pid' | 'at'>): Promise<void> {
  await redis.rpush(recordKey(prefix), JSON.stringify({ ...entry, pid: process.pid, at: Date.now() }));
}

export async function readRecord(redis: Redis, prefix: string): Promise<RecordEntry[]> {
  return (await redis.lrange(recordKey(prefix), 0, -1)).map((raw) => JSON.parse(raw) as RecordEntry);
}

/** What a worker child process is told (see fixtures/worker-process.ts). */
export interface WorkerProcessConfig {
  options: QueueLayerOptions;
  /** Each reconcile takes between these many milliseconds. */
  workMs: [number, number];
}

/** Starts `fixtures/worker-process.ts`; stopped (SIGKILL if need be) when the test ends. */
export async function startWorkerProcess(t: TestContext, name: string, config: WorkerProcessConfig): Promise<ManagedProcess> {
  const logDir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-queue-'));
  const child = startProcess({
    name,
    command: path.join(root, 'src/bin/node'),
    args: [path.join(root, 'test/queue/fixtures/worker-process.ts')],
    logDir,
    cwd: root,
    env: { ...process.env, BERTH_QUEUE_WORKER: JSON.stringify(config) },
  });
  t.after(async () => {
    await stopProcess(child, 2_000);
    await fs.rm(logDir, { recursive: true, force: true });
    // A child stopped here may have recorded after the prefix was cleaned up.
    const prefix = config.options.prefix;
    if (prefix !== undefined) {
      const redis = new Redis(config.options.redisUrl, { maxRetriesPerRequest: 1 });
      await redis.del(recordKey(prefix)).catch(() => 0);
      redis.disconnect();
    }
  });
  return child;
}

/** The log of a child process, for assertion messages. */
export async function processLog(child: ManagedProcess): Promise<string> {
  return await fs.readFile(child.logFile, 'utf8').catch(() => '');
}
