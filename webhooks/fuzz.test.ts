/**
 * Property test: whatever the bytes and headers, no adapter throws, and nothing
 * but a well-formed, correctly signed push is accepted. Inputs come from a
 * seeded generator, so a failure names a case that reproduces.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebhookResult } from './push-event.ts';
import { body, fixture, providerCases, signedHeaders, testSecret, type ProviderCase } from './testdata/deliveries.ts';

/** mulberry32: small, seeded, good enough to spread inputs around. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fieldNames = ['ref', 'before', 'after', 'repository', 'commits', 'changes', 'push', 'new', 'old', 'object_kind', 'links', 'clone', 'href', 'added', 'target', 'hash', 'type', 'project', 'total_commits_count', 'changedPaths', '__proto__'];

function generator(seed: number) {
  const next = random(seed);
  const int = (below: number): number => Math.floor(next() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const text = (length: number): string => Array.from({ length }, () => String.fromCharCode(int(0x250))).join('');
  const json = (depth: number): unknown => {
    switch (depth > 3 ? int(4) : int(7)) {
      case 0: return int(2) === 0 ? null : next() < 0.5;
      case 1: return next() * 1e6 - 5e5;
      case 2: return pick(['refs/heads/main', 'main', '0'.repeat(40), 'ADD', 'branch', 'push', 'git@host:o/r.git', text(int(12))]);
      case 3: return text(int(20));
      case 4: return Array.from({ length: int(4) }, () => json(depth + 1));
      default: return Object.fromEntries(Array.from({ length: int(6) }, () => [pick(fieldNames), json(depth + 1)]));
    }
  };
  return {
    int,
    bytes: (length: number): Buffer => Buffer.from(Array.from({ length }, () => int(256))),
    ascii: (length: number): Buffer => Buffer.from(Array.from({ length }, () => String.fromCharCode(32 + int(95))).join('')),
    json: (): Buffer => body(json(0)),
    headerValue: (): string => pick(['', 'sha256=', 'sha1=']) + text(int(140)),
  };
}

function outcome(run: () => WebhookResult): WebhookResult {
  try {
    return run();
  } catch (error) {
    assert.fail(`adapter threw: ${String(error)}`);
  }
}

function assertNotAccepted(result: WebhookResult, allowed: readonly string[], what: string): void {
  const label = result.kind === 'rejected' ? `rejected ${result.status}` : result.kind;
  assert.ok(allowed.includes(label), `${what}: got ${label} (${JSON.stringify(result).slice(0, 200)})`);
}

function truncations(file: Buffer, count: number): Buffer[] {
  // Without the final newline, so that every cut loses some of the JSON itself.
  const payload = Buffer.from(file.toString('utf8').trimEnd());
  const step = Math.max(1, Math.floor(payload.length / count));
  const cuts: Buffer[] = [];
  for (let length = 0; length < payload.length; length += step) cuts.push(payload.subarray(0, length));
  cuts.push(payload.subarray(0, payload.length - 1));
  return cuts;
}

function check(c: ProviderCase, bodies: readonly Buffer[], signedAllowed: readonly string[], label: string): void {
  bodies.forEach((bytes, i) => {
    const what = `${c.provider} ${label} #${i}`;
    assertNotAccepted(outcome(() => c.adapter(signedHeaders(c, bytes), bytes, testSecret)), signedAllowed, `${what} signed`);
    assertNotAccepted(outcome(() => c.adapter({ ...c.pushHeaders }, bytes, testSecret)), ['rejected 401'], `${what} unsigned`);
  });
}

describe('adapters under random input', () => {
  providerCases.forEach((c, index) => {
    const gen = generator(0xbe47 + index);

    it(`${c.provider}: random bytes, signed or not, are never accepted and never throw`, () => {
      const bodies = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? gen.bytes(gen.int(2048)) : i % 3 === 1 ? gen.ascii(gen.int(512)) : gen.json()));
      // Random JSON may be well-formed with nothing to do (an empty change list): ignored is fine, accepted is not.
      check(c, bodies.slice(0, 200), ['rejected 400'], 'random bytes');
      check(c, bodies.slice(200), ['rejected 400', 'ignored'], 'random JSON');
    });

    it(`${c.provider}: every truncation of a valid push is a 400 when signed, a 401 when not`, () => {
      check(c, truncations(fixture(c.pushFixture), 150), ['rejected 400'], 'truncated push');
    });

    it(`${c.provider}: random signature headers and event headers never get a push through`, () => {
      const payload = fixture(c.pushFixture);
      for (let i = 0; i < 200; i++) {
        const forged = outcome(() => c.adapter({ ...c.pushHeaders, [c.authHeader]: gen.headerValue() }, payload, testSecret));
        assertNotAccepted(forged, ['rejected 401'], `${c.provider} forged signature #${i}`);
      }
      for (let i = 0; i < 50; i++) {
        const eventHeaders = Object.fromEntries(Object.keys(c.pushHeaders).map((name) => [name, gen.headerValue().replace(/[^\x20-\x7e]/g, '')]));
        outcome(() => c.adapter({ ...eventHeaders, [c.authHeader]: c.authValue(payload) }, payload, testSecret));
      }
    });
  });
});
