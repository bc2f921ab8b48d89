import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createNotificationHttp, refusalOf } from './http.ts';

describe('where a notification may go (a tenant writes the address)', () => {
  it('never reaches link-local or cloud metadata addresses, even when private ones are allowed', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://[fe80::1]/', 'http://metadata.google.internal/']) {
      assert.match(await refusalOf(new URL(url), { allowPrivate: true }) ?? '', /link-local or metadata/, url);
    }
  });

  it('reaches private and loopback addresses only when allowed', async () => {
    assert.match(await refusalOf(new URL('http://10.0.0.7/hook'), { allowPrivate: false }) ?? '', /--notification-allow-private/);
    assert.match(await refusalOf(new URL('http://localhost:8080/hook'), { allowPrivate: false }) ?? '', /private or loopback/);
    assert.equal(await refusalOf(new URL('http://127.0.0.1:8080/hook'), { allowPrivate: true }), undefined);
  });

  it('refuses before connecting, naming the host and never the URL (it may be a credential)', async () => {
    const http = createNotificationHttp({ allowPrivate: false });
    const secretPath = 'T000/B000/XXXXsecretXXXX';
    await assert.rejects(http({ method: 'POST', url: `http://127.0.0.1:9/${secretPath}`, headers: {}, body: '{}', timeoutMs: 1_000 }), (error: Error) => {
      assert.match(error.message, /127\.0\.0\.1/);
      assert.ok(!error.message.includes(secretPath));
      return true;
    });
  });
});
