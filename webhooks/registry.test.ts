import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { providerNames } from './push-event.ts';
import { parseWebhook, resolveProvider } from './registry.ts';
import { fixture, providerCases, signedHeaders, testSecret } from './testdata/deliveries.ts';

describe('parseWebhook', () => {
  it('dispatches every provider by its name in the URL path', () => {
    for (const c of providerCases) {
      const payload = fixture(c.pushFixture);
      const result = parseWebhook(c.provider, signedHeaders(c, payload), payload, { secret: testSecret });
      assert.equal(result.kind === 'push' && result.events[0].provider, c.provider);
    }
    assert.deepEqual([...providerCases.map((c) => c.provider)].sort(), [...providerNames].sort());
  });

  it('takes forgejo and gogs for gitea, and names in any case', () => {
    assert.equal(resolveProvider('forgejo'), 'gitea');
    assert.equal(resolveProvider('gogs'), 'gitea');
    assert.equal(resolveProvider('GitHub'), 'github');
    assert.equal(resolveProvider('Bitbucket-Server'), 'bitbucket-server');
    const c = providerCases.find((p) => p.provider === 'gitea');
    assert.ok(c);
    const payload = fixture(c.pushFixture);
    assert.equal(parseWebhook('forgejo', signedHeaders(c, payload), payload, { secret: testSecret }).kind, 'push');
  });

  it('answers 404 for an unknown provider, including names of Object.prototype', () => {
    for (const name of ['bitbucket', 'azure', '', '__proto__', 'constructor', 'toString']) {
      const result = parseWebhook(name, {}, Buffer.from('{}'), { secret: testSecret });
      assert.equal(result.kind === 'rejected' && result.status, 404, name);
    }
  });

  it('passes the body limit on', () => {
    const result = parseWebhook('github', {}, Buffer.alloc(11), { secret: testSecret, maxBodyBytes: 10 });
    assert.deepEqual(result, { kind: 'rejected', status: 413, reason: 'body is 11 bytes, over the limit of 10' });
  });

  it('throws when handed a parsed body instead of the raw bytes: that is a wiring mistake, not a bad delivery', () => {
    assert.throws(() => parseWebhook('github', {}, { ref: 'refs/heads/main' } as unknown as Buffer, { secret: testSecret }), TypeError);
  });
});
