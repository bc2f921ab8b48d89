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
      assert.match(error.message, /--redis-url \(BERTH_REDIS_URL\): redis URL: expected redis:\/\//);
      return true;
    });
  });
});

describe('API and webhook settings', () => {
  it('reads token lists and public read from the environment, with safe defaults', () => {
    const defaults = resolveControllerConfig({}, {});
    assert.deepEqual([defaults.apiAdminTokens, defaults.apiReadTokens, defaults.apiPublicRead], [[], [], false]);
    assert.equal(defaults.webhookMaxBodyBytes, 25 * 1024 * 1024);
    const config = resolveControllerConfig({}, {
      BERTH_API_ADMIN_TOKENS: 'a1, a2', BERTH_API_READ_TOKENS: 'r1', BERTH_API_PUBLIC_READ: 'true', BERTH_WEBHOOK_RATE_LIMIT: '0',
    });
    assert.deepEqual(config.apiAdminTokens, ['a1', 'a2']);
    assert.deepEqual(config.apiReadTokens, ['r1']);
    assert.equal(config.apiPublicRead, true);
    assert.equal(config.webhookRateLimit, 0);
  });

  it('never repeats a token in a configuration error', () => {
    assert.throws(() => resolveControllerConfig({}, { BERTH_API_ADMIN_TOKENS: 's3cr3t-token', BERTH_API_PUBLIC_READ: 'maybe' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /--api-public-read \(BERTH_API_PUBLIC_READ\)/);
      assert.doesNotMatch(error.message, /s3cr3t/);
      return true;
    });
  });
});

describe('security settings', () => {
  it('defaults to https only, private networks allowed, metadata refused, no allow-lists, no impersonation', () => {
    const config = resolveControllerConfig({}, {});
    assert.deepEqual(
      [config.allowedRepos, config.allowedDestinations, config.allowClusterScoped, config.allowHttpRepos, config.allowPrivateRepos, config.allowLinkLocalRepos, config.defaultServiceAccount],
      [[], [], true, false, true, false, undefined],
    );
  });

  it('reads allow-lists and switches from flags and the environment', () => {
    const config = resolveControllerConfig({ allowedRepos: 'https://github.com/acme/*, https://gitlab.com/acme/**' }, {
      BERTH_ALLOWED_DESTINATIONS: 'team-*', BERTH_ALLOW_CLUSTER_SCOPED: 'false', BERTH_ALLOW_HTTP_REPOS: 'true', BERTH_DEFAULT_SERVICE_ACCOUNT: 'deployer',
    });
    assert.deepEqual(config.allowedRepos, ['https://github.com/acme/*', 'https://gitlab.com/acme/**']);
    assert.deepEqual(config.allowedDestinations, ['team-*']);
    assert.equal(config.allowClusterScoped, false);
    assert.equal(config.allowHttpRepos, true);
    assert.equal(config.defaultServiceAccount, 'deployer');
  });

  it('names the flag and variable of a bad value', () => {
    assert.throws(() => resolveControllerConfig({}, { BERTH_DEFAULT_SERVICE_ACCOUNT: 'Not_Valid' }),
      (error: unknown) => error instanceof ConfigError && /--default-service-account \(BERTH_DEFAULT_SERVICE_ACCOUNT\)/.test(error.message));
    assert.throws(() => resolveControllerConfig({ allowHttpRepos: 'yes' }, {}),
      (error: unknown) => error instanceof ConfigError && /--allow-http-repos \(BERTH_ALLOW_HTTP_REPOS\)/.test(error.message));
  });
});
