import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { decodeStoredRender, encodeStoredRender, type StoredRender } from './render-store.ts';

const key = 'a'.repeat(64);
const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-admin', labels: { app: 'web' } }, data: { password: 'c2VjcmV0' } };
const render: StoredRender = { kind: 'helm', manifests: [{ object: secret, file: 'web/templates/secret.yaml', line: 1 }] };
const zipped = (value: unknown): Buffer => gzipSync(JSON.stringify(value));
const entry = (overrides: Record<string, unknown>): Buffer => zipped({ version: 1, key, kind: 'helm', manifests: render.manifests, ...overrides });

describe('a stored render', () => {
  it('reads back as it was written', () => {
    assert.deepEqual(decodeStoredRender(key, encodeStoredRender(key, render), 1024 * 1024), { ok: true, render });
  });

  const corrupt: [string, Buffer, RegExp][] = [
    ['is not gzip', Buffer.from('{"version":1}'), /not a gzip/],
    ['is truncated gzip', encodeStoredRender(key, render).subarray(0, 20), /not a gzip/],
    ['unzips to more than the cap', zipped({ version: 1, key, kind: 'helm', manifests: [], padding: 'x'.repeat(4096) }), /not a gzip of at most 1024 bytes/],
    ['is not JSON', gzipSync('{"version":1,'), /not JSON/],
    ['has another version', entry({ version: 2 }), /not a stored render/],
    ['is of a plain directory', entry({ kind: 'directory' }), /not a stored render/],
    ['was written under another key', entry({ key: 'b'.repeat(64) }), /another key/],
    ['has an object without a name', entry({ manifests: [{ object: { ...secret, metadata: {} }, file: 'f', line: 1 }] }), /not a stored render/],
    ['has an object without a kind', entry({ manifests: [{ object: { apiVersion: 'v1', metadata: { name: 'x' } }, file: 'f', line: 1 }] }), /not a stored render/],
    ['has labels that are not strings', entry({ manifests: [{ object: { ...secret, metadata: { name: 'x', labels: { a: 1 } } }, file: 'f', line: 1 }] }), /not a stored render/],
    ['has manifests that are not a list', entry({ manifests: { 0: render.manifests[0] } }), /not a stored render/],
    ['has a negative line', entry({ manifests: [{ object: secret, file: 'f', line: -1 }] }), /not a stored render/],
    ['has two objects with one identity', entry({ manifests: [render.manifests[0], render.manifests[0]] }), /also defined at/],
  ];
  for (const [what, stored, problem] of corrupt) {
    it(`is ignored when it ${what}`, () => {
      const decoded = decodeStoredRender(key, stored, 1024);
      assert.ok(!decoded.ok);
      assert.match(decoded.problem, problem);
    });
  }
});
