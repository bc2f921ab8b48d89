/**
 * Secret values never leave diff/. Each value of a core/v1 Secret's `data` and `stringData`
 * becomes `<masked:…>`: an HMAC-SHA256 of the decoded bytes under a key unknown outside the
 * process, cut to 64 bits. Equal values give equal placeholders (no false drift; a `data`
 * value and the same text in `stringData` match), different values differ (so a change
 * still shows which key changed), and no placeholder leads back to its value.
 *
 * The last-applied annotation holds a copy of the Secret, values included: it is masked too.
 */
import { createHmac } from 'node:crypto';
import type { KubeObject } from '../objects.ts';
import { isPlainObject } from './json-value.ts';
import { lastAppliedAnnotation } from './normalize.ts';
import { defaultDiffOptions } from './options.ts';

const placeholderPattern = /^<masked:[0-9a-f]{16}>$/;

export function isSecret(object: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return object.apiVersion === 'v1' && object.kind === 'Secret';
}

export function isMaskedPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && placeholderPattern.test(value);
}

export function maskedPlaceholder(bytes: Uint8Array, key: Uint8Array): string {
  return `<masked:${createHmac('sha256', key).update(bytes).digest('hex').slice(0, 16)}>`;
}

function maskValues(values: unknown, encoding: 'base64' | 'utf8', key: Uint8Array): unknown {
  if (!isPlainObject(values)) return values;
  const masked: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    masked[name] = maskedPlaceholder(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), encoding), key);
  }
  return masked;
}

function maskLastApplied(text: string, key: Uint8Array): string {
  try {
    const applied: unknown = JSON.parse(text);
    if (isPlainObject(applied) && isPlainObject(applied.metadata) && typeof applied.apiVersion === 'string' && typeof applied.kind === 'string') {
      return JSON.stringify(maskSecret(applied as KubeObject, key));
    }
  } catch {
    // Not JSON: fall through and mask the whole text.
  }
  return maskedPlaceholder(Buffer.from(text, 'utf8'), key);
}

/** A copy of `object` with every Secret value masked; any other kind is returned as it is. */
export function maskSecret(object: KubeObject, key: Uint8Array = defaultDiffOptions().secretMaskKey): KubeObject {
  if (!isSecret(object)) return object;
  const masked: KubeObject = { ...object, metadata: { ...object.metadata } };
  if (object.data !== undefined) masked.data = maskValues(object.data, 'base64', key);
  if (object.stringData !== undefined) masked.stringData = maskValues(object.stringData, 'utf8', key);
  const annotations = object.metadata.annotations;
  const lastApplied = annotations?.[lastAppliedAnnotation];
  if (annotations && lastApplied !== undefined) {
    masked.metadata.annotations = { ...annotations, [lastAppliedAnnotation]: maskLastApplied(lastApplied, key) };
  }
  return masked;
}

/**
 * A Secret as the API server stores it: `stringData` folded into `data` (base64), a
 * `stringData` key winning over the same `data` key. A desired Secret may be written either
 * way, a live one only has `data`.
 */
export function foldStringData(object: KubeObject): KubeObject {
  if (!isSecret(object) || !isPlainObject(object.stringData)) return object;
  const { stringData, ...rest } = object;
  const data: Record<string, unknown> = isPlainObject(object.data) ? { ...object.data } : {};
  for (const [name, value] of Object.entries(stringData)) {
    data[name] = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64');
  }
  return { ...rest, data };
}
