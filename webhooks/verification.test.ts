/**
 * What every adapter promises before it reads a payload: the size limit, the
 * signature (or GitLab's token) checked on the raw bytes, and 400s that name the
 * field at fault. One table, every provider.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebhookResult } from './push-event.ts';
import { body, fixture, fixtureObject, hmacHex, providerCases, signedHeaders, testSecret } from './testdata/deliveries.ts';

/** A field each provider's push cannot do without, and a wrong-typed value for it. */
const requiredFields: Readonly<Record<string, { field: string; wrong: unknown }>> = {
  github: { field: 'after', wrong: 42 },
  gitlab: { field: 'after', wrong: 42 },
  gitea: { field: 'after', wrong: 42 },
  'bitbucket-server': { field: 'changes', wrong: 'refs/heads/main' },
  'bitbucket-cloud': { field: 'push', wrong: [] },
  'azure-devops': { field: 'resource', wrong: 'git.push' },
  generic: { field: 'after', wrong: 42 },
};

/** The event header that marks an irrelevant event, per provider. */
const irrelevantEvents: Readonly<Record<string, Record<string, string>>> = {
  github: { 'x-github-event': 'issues' },
  gitlab: { 'x-gitlab-event': 'Merge Request Hook' },
  gitea: { 'x-gitea-event': 'issues' },
  'bitbucket-server': { 'x-event-key': 'pr:opened' },
  'bitbucket-cloud': { 'x-event-key': 'pullrequest:created' },
  'azure-devops': {},
  generic: { 'x-event': 'release' },
};

/** Azure DevOps names its event in the body, not in a header. */
const irrelevantBodies: Readonly<Record<string, Buffer>> = {
  'azure-devops': body({ ...fixtureObject('azure-devops-git-push'), eventType: 'build.complete' }),
};

function assertRejected(result: WebhookResult, status: number, reasonPattern?: RegExp): void {
  assert.equal(result.kind, 'rejected', JSON.stringify(result));
  assert.equal(result.status, status, result.reason);
  if (reasonPattern) assert.match(result.reason, reasonPattern);
}

for (const c of providerCases) {
  const payload = fixture(c.pushFixture);
  const call = (headers: Record<string, string>, bytes: Uint8Array = payload, secret = testSecret): WebhookResult => c.adapter(headers, bytes, secret);

  describe(`${c.provider} delivery verification`, () => {
    it('accepts a correctly signed push', () => {
      assert.equal(call(signedHeaders(c, payload)).kind, 'push');
    });

    it('accepts header names in any case, and fetch Headers', () => {
      const upper = Object.fromEntries(Object.entries(signedHeaders(c, payload)).map(([k, v]) => [k.toUpperCase(), v]));
      assert.equal(call(upper).kind, 'push');
      assert.equal(c.adapter(new Headers(signedHeaders(c, payload)), payload, testSecret).kind, 'push');
    });

    it('rejects a delivery without a signature with 401', () => {
      assertRejected(call({ ...c.pushHeaders }), 401, /missing/);
    });

    it('rejects a signature made with another secret with 401', () => {
      assertRejected(call({ ...c.pushHeaders, [c.authHeader]: c.authValue(payload, 'not the secret') }), 401);
    });

    if (c.signsBody) {
      it('rejects a body changed after signing with 401', () => {
        const tampered = Buffer.from(payload);
        const middle = Math.floor(tampered.length / 2);
        tampered[middle] = (tampered[middle] ?? 0) ^ 1;
        assertRejected(call(signedHeaders(c, payload), tampered), 401, /does not match/);
      });

      it('rejects signatures of the wrong length with 401, without throwing', () => {
        const good = c.authValue(payload);
        const prefix = good.slice(0, good.length - 64);
        for (const hex of ['', 'ab', good.slice(-63), `${good.slice(-64)}0`, `${good.slice(-64)}${good.slice(-64)}`]) {
          assertRejected(call({ ...c.pushHeaders, [c.authHeader]: `${prefix}${hex}` }), 401);
        }
      });

      it('rejects a signature of the right length that is not hex with 401', () => {
        const good = c.authValue(payload);
        assertRejected(call({ ...c.pushHeaders, [c.authHeader]: `${good.slice(0, -64)}${'z'.repeat(64)}` }), 401, /not hexadecimal/);
      });
    } else {
      it('cannot notice a changed body: GitLab sends the secret itself and Azure DevOps a password, which sign nothing', () => {
        const changed = Buffer.from(payload.toString('utf8').replace('refs/heads/master', 'refs/heads/other'));
        assert.equal(call(signedHeaders(c, payload), changed).kind, 'push');
      });

      it('rejects tokens of another length with 401, without throwing', () => {
        for (const token of ['', 'x', `${testSecret}x`, testSecret.slice(0, -1), testSecret.repeat(20)]) {
          assertRejected(call({ ...c.pushHeaders, [c.authHeader]: c.authValue(payload, token) }), 401, /does not match/);
        }
      });
    }

    it('rejects every delivery when no secret is configured, even one "signed" with the empty secret', () => {
      assertRejected(call({ ...c.pushHeaders, [c.authHeader]: c.authValue(payload, '') }, payload, ''), 401, /no webhook secret/);
    });

    it('never puts the secret or the expected signature in a reason', () => {
      const expected = hmacHex(payload);
      const results = [
        call({ ...c.pushHeaders, [c.authHeader]: c.authValue(payload, 'wrong') }),
        call({ ...c.pushHeaders, [c.authHeader]: 'sha256=00' }),
        call(signedHeaders(c, payload), Buffer.concat([payload, Buffer.from(' ')])),
      ];
      for (const result of results) {
        assert.ok(result.kind !== 'push' || !c.signsBody);
        if (result.kind === 'rejected') {
          assert.ok(!result.reason.includes(testSecret), result.reason);
          assert.ok(!result.reason.includes(expected), result.reason);
        }
      }
    });

    it('answers 413 for a body over the limit, before looking at the signature', () => {
      const result = c.adapter({ ...c.pushHeaders }, payload, testSecret, { maxBodyBytes: payload.length - 1 });
      assertRejected(result, 413, /over the limit/);
      assert.equal(c.adapter(signedHeaders(c, payload), payload, testSecret, { maxBodyBytes: payload.length }).kind, 'push');
    });

    it('rejects signed malformed JSON with 400', () => {
      for (const bad of ['{', '', 'null', '[]', '"push"', '{"ref": "refs/heads/main",}']) {
        const bytes = Buffer.from(bad);
        assertRejected(call(signedHeaders(c, bytes), bytes), 400);
      }
    });

    it('rejects a body that is not UTF-8 with 400', () => {
      const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
      assertRejected(call(signedHeaders(c, bytes), bytes), 400, /UTF-8/);
    });

    const { field, wrong } = requiredFields[c.provider] ?? { field: '?', wrong: null };

    it(`rejects a push without ${field} with 400 naming it`, () => {
      const { [field]: _removed, ...object } = fixtureObject(c.pushFixture);
      const bytes = body(object);
      assertRejected(call(signedHeaders(c, bytes), bytes), 400, new RegExp(`^${field}: required`));
    });

    it(`rejects a push whose ${field} has the wrong type with 400 naming it`, () => {
      const bytes = body({ ...fixtureObject(c.pushFixture), [field]: wrong });
      assertRejected(call(signedHeaders(c, bytes), bytes), 400, new RegExp(`^${field}: `));
    });

    it('ignores an event that moves no ref, once verified', () => {
      const bytes = irrelevantBodies[c.provider] ?? payload;
      const headers = signedHeaders(c, bytes, irrelevantEvents[c.provider]);
      assert.equal(call(headers, bytes).kind, 'ignored');
      // ... but an unverified one is still a 401.
      assertRejected(call({ ...c.pushHeaders, ...irrelevantEvents[c.provider] }, bytes), 401);
    });
  });
}
