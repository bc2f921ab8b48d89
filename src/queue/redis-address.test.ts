import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRedisAddress, redactedRedisUrl } from './redis-address.ts';
import { redisTarget } from './options.ts';

describe('parseRedisAddress', () => {
  const parsed: [string, ReturnType<typeof parseRedisAddress>][] = [
    ['redis://127.0.0.1:6379', { kind: 'server', url: 'redis://127.0.0.1:6379' }],
    ['rediss://:secret@redis.example:6380/2', { kind: 'server', url: 'rediss://:secret@redis.example:6380/2' }],
    ['redis+sentinel://s1:26379,s2:26380,s3/berth', {
      kind: 'sentinel', name: 'berth', db: 0, tls: false,
      sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }, { host: 's3', port: 26379 }],
    }],
    ['redis+sentinel://:p%40ss@10.0.0.1:26379/mymaster/3', {
      kind: 'sentinel', name: 'mymaster', db: 3, tls: false, password: 'p@ss', sentinels: [{ host: '10.0.0.1', port: 26379 }],
    }],
    ['rediss+sentinel://berth:pw@[::1]:26379/primary', {
      kind: 'sentinel', name: 'primary', db: 0, tls: true, username: 'berth', password: 'pw', sentinels: [{ host: '::1', port: 26379 }],
    }],
  ];
  for (const [url, expected] of parsed) {
    it(`reads ${redactedRedisUrl(url)}`, () => { assert.deepEqual(parseRedisAddress(url), expected); });
  }

  const refused: [string, RegExp][] = [
    ['http://redis:6379', /expected redis:\/\/, rediss:\/\/, redis\+sentinel:\/\//],
    ['redis+sentinel://s1:26379', /names its primary after the hosts/],
    ['redis+sentinel://s1:26379,,s2/m', /sentinel 2 is empty/],
    ['redis+sentinel://-oProxyCommand=x:26379/m', /sentinel 1: "-oProxyCommand=x" is not a host name/],
    ['redis+sentinel://s1:99999/m', /sentinel 1: port 99999 is out of range/],
    ['redis+sentinel://s1/m/16', /database after the master name must be a number from 0 to 15/],
    ['redis+sentinel://s1/m/1x', /database after the master name/],
    ['redis+sentinel://s1/m?sentinelPassword=x', /query parameters are not supported/],
    ['redis+sentinel://s1/m/0/extra', /ends with \/<master name>\[\/<db>\]/],
    ['redis+sentinel://s1/ma ster', /master name may use letters/],
    ['redis+sentinel://:%E0%A4%A@s1/m', /password is not valid percent-encoding/],
  ];
  for (const [url, message] of refused) {
    it(`refuses ${url}, saying which part is wrong`, () => { assert.throws(() => parseRedisAddress(url), message); });
  }

  it('never shows the password in a redacted URL', () => {
    assert.equal(redactedRedisUrl('redis+sentinel://u:secret@s1:26379,s2/m'), 'redis+sentinel://***@s1:26379,s2/m');
    assert.equal(redactedRedisUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
  });
});

describe('redisTarget', () => {
  const retry = (): number => 100;
  it('hands a server URL to ioredis as it is', () => {
    assert.deepEqual(redisTarget('redis://127.0.0.1:6379/1', retry), { url: 'redis://127.0.0.1:6379/1' });
  });
  it('authenticates to the primary and the sentinels with the same password, and finds the primary again on every reconnect', () => {
    const target = redisTarget('rediss+sentinel://:pw@s1,s2:26380/berth/2', retry);
    assert.ok(!('url' in target));
    assert.deepEqual({ ...target, sentinelRetryStrategy: undefined }, {
      sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }], name: 'berth', db: 2,
      password: 'pw', sentinelPassword: 'pw', tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true,
      failoverDetector: false, sentinelRetryStrategy: undefined,
    });
  });
});
