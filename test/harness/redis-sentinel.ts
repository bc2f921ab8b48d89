/**
 * A private Redis primary, one replica and three sentinels (Debian's
 * redis-server and redis-sentinel) on loopback, for tests of a failover. The
 * primary and replica persist with an append-only file fsynced on every write,
 * and the sentinels declare a primary down after one second, so a failover
 * takes a few seconds. Everything stops when the test ends.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { eventually } from './eventually.ts';
import { freePort } from './ports.ts';
import { redisAnswers } from './private-redis.ts';
import { startProcess, stopProcess, type ManagedProcess } from './processes.ts';

export const sentinelMasterName = 'berth';

export interface SentinelGroup {
  /** `redis+sentinel://127.0.0.1:a,127.0.0.1:b,127.0.0.1:c/berth`, as Berth's --redis-url takes it. */
  url: string;
  primaryPort: number;
  replicaPort: number;
  /** The port of the data node the sentinels name as primary now. */
  currentPrimaryPort(): Promise<number>;
  /** Kills the current primary with SIGKILL (no clean shutdown, no last fsync). */
  killPrimary(): Promise<number>;
}

/** test/harness/ensure-redis.sh (run by `npm test`) installs it; a bare `node --test` run says how. */
function ensureSentinel(): void {
  try {
    execFileSync('sh', ['-c', 'command -v redis-sentinel'], { stdio: 'ignore' });
  } catch {
    throw new Error('redis-sentinel is missing: run `sh test/harness/ensure-redis.sh` (it installs Debian\'s redis-sentinel)');
  }
}

async function command(port: number, ...args: string[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    return await client.call(args[0] ?? 'PING', ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

export async function startSentinelGroup(t: TestContext, root: string): Promise<SentinelGroup> {
  ensureSentinel();
  const logDir = path.join(root, 'redis-sentinel-logs');
  fs.mkdirSync(logDir, { recursive: true });
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const processes = new Map<number, ManagedProcess>();
  t.after(async () => { await Promise.all([...processes.values()].map((process) => stopProcess(process, 2_000))); });

  for (const [port, extra] of [[primaryPort, []], [replicaPort, ['--replicaof', '127.0.0.1', String(primaryPort)]]] as const) {
    const dir = path.join(root, `redis-${port}`);
    fs.mkdirSync(dir, { recursive: true });
    processes.set(port, startProcess({
      name: `redis-${port}`, command: 'redis-server', logDir,
      args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', ...extra],
    }));
    await redisAnswers(port);
  }
  await eventually('the replica to be in sync with the primary', async () => {
    const info = String(await command(replicaPort, 'INFO', 'replication'));
    return /master_link_status:up/.test(info) ? true : undefined;
  }, { timeoutMs: 15_000, intervalMs: 100 });

  const sentinelPorts: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const port = await freePort();
    sentinelPorts.push(port);
    // A sentinel rewrites its configuration file, so each gets its own.
    const config = path.join(root, `sentinel-${port}.conf`);
    fs.writeFileSync(config, [
      `port ${port}`, 'bind 127.0.0.1', `dir ${root}`,
      `sentinel monitor ${sentinelMasterName} 127.0.0.1 ${primaryPort} 2`,
      `sentinel down-after-milliseconds ${sentinelMasterName} 1000`,
      `sentinel failover-timeout ${sentinelMasterName} 5000`,
      `sentinel parallel-syncs ${sentinelMasterName} 1`,
      '',
    ].join('\n'));
    processes.set(port, startProcess({ name: `sentinel-${port}`, command: 'redis-sentinel', args: [config], logDir }));
    await redisAnswers(port);
  }
  // Ready when every sentinel knows the replica and the two other sentinels: only then can they elect and promote.
  await eventually('the sentinels to know the replica and each other', async () => {
    for (const port of sentinelPorts) {
      const replicas = await command(port, 'SENTINEL', 'REPLICAS', sentinelMasterName) as unknown[];
      const sentinels = await command(port, 'SENTINEL', 'SENTINELS', sentinelMasterName) as unknown[];
      if (replicas.length < 1 || sentinels.length < 2) return undefined;
    }
    return true;
  }, { timeoutMs: 30_000, intervalMs: 200 });

  const currentPrimaryPort = async (): Promise<number> => {
    const reply = await command(sentinelPorts[0] ?? 0, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', sentinelMasterName) as [string, string];
    return Number(reply[1]);
  };
  return {
    url: `redis+sentinel://${sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',')}/${sentinelMasterName}`,
    primaryPort, replicaPort, currentPrimaryPort,
    async killPrimary() {
      const port = await currentPrimaryPort();
      const primary = processes.get(port);
      if (primary === undefined) throw new Error(`no data node on port ${port}`);
      primary.child.kill('SIGKILL');
      return port;
    },
  };
}
