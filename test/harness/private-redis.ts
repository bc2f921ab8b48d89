/**
 * A private redis-server without persistence on a given port, for tests that
 * stop and restart Redis (the harness's shared Redis must never be restarted).
 * Answers PING before this returns; stopped when the test ends.
 */
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { eventually } from './eventually.ts';
import { startProcess, stopProcess, type ManagedProcess } from './processes.ts';

export async function startPrivateRedis(t: TestContext, port: number, logDir: string): Promise<ManagedProcess> {
  const server = startProcess({
    name: `redis-${port}`, command: 'redis-server', logDir,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  });
  t.after(() => stopProcess(server, 2_000));
  await redisAnswers(port);
  return server;
}

/** Resolves once a Redis server or sentinel on loopback `port` answers PING. */
export async function redisAnswers(port: number): Promise<void> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  await eventually(`redis on port ${port} to answer`, async () => {
    try {
      await probe.connect();
      await probe.ping();
      return true;
    } finally {
      probe.disconnect();
    }
  }, { timeoutMs: 10_000, intervalMs: 50 });
}
