import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastAppliedAnnotation } from './normalize.ts';
import type { KubeObject } from '../objects.ts';
import { foldStringData, isMaskedPlaceholder, maskSecret } from './secret-mask.ts';

const key = new Uint8Array(32).fill(7);
const b64 = (text: string): string => Buffer.from(text).toString('base64');

function secret(fields: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, type: 'Opaque', ...fields };
}

describe('maskSecret', () => {
  it('masks every data and stringData value with a placeholder', () => {
    const masked = maskSecret(secret({ data: { password: b64('hunter2') }, stringData: { token: 'abc123' } }), key);
    const values: unknown[] = [...Object.values(masked.data as Record<string, string>), ...Object.values(masked.stringData as Record<string, string>)];
    assert.equal(values.length, 2);
    assert.ok(values.every(isMaskedPlaceholder));
    assert.ok(!JSON.stringify(masked).includes('hunter2') && !JSON.stringify(masked).includes(b64('hunter2')));
  });

  it('gives the same placeholder to the same value, written as data or as stringData', () => {
    const a = maskSecret(secret({ data: { password: b64('hunter2') } }), key);
    const b = maskSecret(secret({ stringData: { password: 'hunter2' } }), key);
    assert.equal((a.data as Record<string, string>).password, (b.stringData as Record<string, string>).password);
  });

  it('gives a different placeholder to a different value, and under a different key', () => {
    const a = maskSecret(secret({ data: { password: b64('hunter2') } }), key);
    const b = maskSecret(secret({ data: { password: b64('hunter3') } }), key);
    const c = maskSecret(secret({ data: { password: b64('hunter2') } }), new Uint8Array(32).fill(8));
    const password = (object: KubeObject): string | undefined => (object.data as Record<string, string>).password;
    assert.notEqual(password(a), password(b));
    assert.notEqual(password(a), password(c));
  });

  it('masks the values inside the last-applied annotation', () => {
    const applied = JSON.stringify(secret({ data: { password: b64('hunter2') } }));
    const masked = maskSecret(secret({ metadata: { name: 'db', annotations: { [lastAppliedAnnotation]: applied } } }), key);
    const annotation = masked.metadata.annotations?.[lastAppliedAnnotation] ?? '';
    assert.ok(!annotation.includes(b64('hunter2')));
    assert.match(annotation, /<masked:[0-9a-f]{16}>/);
  });

  it('leaves other kinds alone', () => {
    const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } };
    assert.deepEqual(maskSecret(configMap, key), configMap);
  });
});

describe('foldStringData', () => {
  it('folds stringData into base64 data, stringData winning', () => {
    const folded = foldStringData(secret({ data: { a: b64('old'), b: b64('kept') }, stringData: { a: 'new' } }));
    assert.deepEqual(folded.data, { a: b64('new'), b: b64('kept') });
    assert.equal(folded.stringData, undefined);
  });
});
