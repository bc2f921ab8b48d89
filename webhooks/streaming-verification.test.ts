/**
 * The checks made before a body is read agree with the adapters' own, provider
 * by provider: the same headers, the same refusals, and a verifier fed in
 * chunks accepts exactly the bodies the adapter accepts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkBeforeBody, type BeforeBody } from './streaming-verification.ts';
import type { Rejected } from './push-event.ts';
import { fixture, providerCases, signedHeaders, testSecret } from './testdata/deliveries.ts';

const options = { secret: testSecret, maxBodyBytes: 1024 * 1024 };

function readBody(checked: Rejected | BeforeBody, body: Uint8Array, chunkSize = 7): Rejected | undefined {
  if (checked.kind === 'rejected') return checked;
  for (let offset = 0; offset < body.length; offset += chunkSize) checked.verifier.update(body.subarray(offset, offset + chunkSize));
  return checked.verifier.finish();
}

for (const c of providerCases) {
  const payload = fixture(c.pushFixture);
  const withoutAuth = (headers: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(headers).filter(([name]) => name !== c.authHeader));

  describe(`${c.provider}: checks before the body`, () => {
    it('accepts a correctly authenticated body fed in chunks, as the adapter does', () => {
      const headers = signedHeaders(c, payload);
      assert.equal(readBody(checkBeforeBody(c.provider, headers, options), payload), undefined);
      assert.notEqual(c.adapter(headers, payload, testSecret).kind, 'rejected');
    });

    it('refuses a delivery without its authentication header before any byte, as the adapter would', () => {
      const headers = withoutAuth(signedHeaders(c, payload));
      const checked = checkBeforeBody(c.provider, headers, options);
      assert.equal(checked.kind, 'rejected');
      assert.equal(checked.status, 401);
      const adapter = c.adapter(headers, payload, testSecret);
      assert.equal(adapter.kind === 'rejected' ? adapter.status : 0, 401);
    });

    it('refuses a wrong key: before the body for a token, at its end for a signature', () => {
      const headers = signedHeaders(c, payload, { [c.authHeader]: c.authValue(payload, 'another secret') });
      const checked = checkBeforeBody(c.provider, headers, options);
      if (c.signsBody) {
        assert.equal(checked.kind, 'read-body');
        assert.equal(readBody(checked, payload)?.status, 401);
      } else {
        assert.equal(checked.kind === 'rejected' ? checked.status : 0, 401);
      }
    });

    it('refuses a body changed after signing, when the provider signs the body', { skip: !c.signsBody }, () => {
      const changed = Buffer.concat([payload, Buffer.from(' ')]);
      assert.equal(readBody(checkBeforeBody(c.provider, signedHeaders(c, payload), options), changed)?.status, 401);
    });

    it('refuses with no secret configured', () => {
      const checked = checkBeforeBody(c.provider, signedHeaders(c, payload), { ...options, secret: '' });
      assert.equal(checked.kind === 'rejected' ? checked.status : 0, 401);
    });
  });
}

describe('checks before the body, whatever the provider', () => {
  const c = providerCases[0];
  assert.ok(c);
  const payload = fixture(c.pushFixture);
  const cases: { name: string; headers: Record<string, string>; status: number | 'read-body' }[] = [
    { name: 'a declared length over the limit is 413', headers: { 'content-length': String(options.maxBodyBytes + 1) }, status: 413 },
    { name: 'a declared length at the limit is read', headers: { 'content-length': String(options.maxBodyBytes) }, status: 'read-body' },
    { name: 'a Content-Length that is not a number is 400', headers: { 'content-length': '12, 13' }, status: 400 },
    { name: 'a compressed body is 400', headers: { 'content-encoding': 'gzip' }, status: 400 },
    { name: 'identity encoding is read', headers: { 'content-encoding': 'identity' }, status: 'read-body' },
    { name: 'the size is refused before a missing signature', headers: { 'content-length': String(options.maxBodyBytes + 1), [c.authHeader]: '' }, status: 413 },
  ];
  for (const row of cases) {
    it(row.name, () => {
      const checked = checkBeforeBody(c.provider, { ...signedHeaders(c, payload), ...row.headers }, options);
      assert.equal(checked.kind === 'rejected' ? checked.status : checked.kind, row.status);
    });
  }

  it('keeps the declared length for the reader to budget', () => {
    const checked = checkBeforeBody(c.provider, { ...signedHeaders(c, payload), 'content-length': String(payload.length) }, options);
    assert.equal(checked.kind === 'read-body' ? checked.declaredBytes : -1, payload.length);
  });
});
