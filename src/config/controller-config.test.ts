import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, resolveControllerConfig } from './controller-config.ts';

describe('controller configuration', () => {
  it('resolves defaults when nothing is given', () => {
    const config = resolveControllerConfig({}, {});
    assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
    assert.deepEqual(config.listen, { host: '0.0.0.0', port: 8080 });
    assert.deepEqual(config.namespaces, []);
    assert.equal(config.watchCluster, true);
    assert.equal(config.concurrency, 16);
    assert.equal(config.globalConcurrency, undefined);
    assert.equal(config.stalledIntervalMs, 30_000);
    assert.equal(config.lockDurationMs, 30_000);
  });

  it('takes the recovery timings of dead replicas, and refuses ones under a second', () => {
    const config = resolveControllerConfig({ stalledIntervalMs: '5000' }, { BERTH_LOCK_DURATION_MS: '8000' });
    assert.equal(config.stalledIntervalMs, 5_000);
    assert.equal(config.lockDurationMs, 8_000);
    assert.throws(() => resolveControllerConfig({ lockDurationMs: '200' }, {}), /--lock-duration \(BERTH_LOCK_DURATION_MS\)/);
  });

  it('prefers a flag over its environment variable, and the variable over the default', () => {
    const env = { BERTH_REDIS_URL: 'redis://env:6379', BERTH_CONCURRENCY: '4', BERTH_NAMESPACES: 'team-a, team-b', BERTH_GLOBAL_CONCURRENCY: '40' };
    const config = resolveControllerConfig({ redisUrl: 'redis://flag:6379' }, env);
    assert.equal(config.redisUrl, 'redis://flag:6379');
    assert.equal(config.concurrency, 4);
    assert.deepEqual(config.namespaces, ['team-a', 'team-b']);
    assert.equal(config.globalConcurrency, 40);
  });

  it('names the flag and the variable of every invalid value', () => {
    assert.throws(() => resolveControllerConfig({ listen: 'nowhere', concurrency: '0' }, { BERTH_REDIS_URL: 'http://x' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /--listen \(BERTH_LISTEN\): expected host:port/);
      assert.match(error.message, /--concurrency \(BERTH_CONCURRENCY\)/);
      assert.match(error.message, /--redis-url \(BERTH_REDIS_URL\): expected a redis:\/\//);
      return true;
    });
  });
});
