/**
 * Where renders outlive the process that made them (issue 21): a chart that
 * generates a random value (grafana's admin password, `randAlphaNum`) renders
 * differently every time helm runs, so a restarted controller or another
 * replica that rendered the same commit again would see drift in objects nobody
 * changed. The Renderer consults a RenderStore before it runs helm or kustomize
 * and fills it after, keyed by a digest of every render input, so one commit
 * renders once for the whole installation and again only when an input changes.
 *
 * What is read back is data from outside the process: `decodeStoredRender`
 * gunzips it under a size cap and parses it with a schema (a version, the key it
 * was stored under, each object's identity fields); anything else is no entry at
 * all, so the caller renders afresh and overwrites it. It never trusts a record.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { checkUnique, type Manifest } from './manifests.ts';

/** The render kinds a store keeps: plain YAML is deterministic and cheap to read again. */
export const StoredRenderKind = { Kustomize: 'kustomize', Helm: 'helm' } as const;
export type StoredRenderKind = (typeof StoredRenderKind)[keyof typeof StoredRenderKind];

export interface StoredRender {
  kind: StoredRenderKind;
  manifests: Manifest[];
}

/** A shared, durable map from a render's key (a hex digest of its inputs) to its result. */
export interface RenderStore {
  /** The render stored under `key`, or undefined when there is none or it is not valid. Throws when the store cannot be read. */
  get(key: string): Promise<StoredRender | undefined>;
  /**
   * Keeps `render` under `key` unless a valid one is there already, and returns
   * the one kept: the first writer wins, so two replicas rendering one key at
   * once apply the same objects. A render too large to keep is returned, not
   * stored. Throws when the store cannot be written.
   */
  put(key: string, render: StoredRender): Promise<StoredRender>;
  /** Keeps the entry of a render still in use from expiring (an in-memory cache hit reads nothing from the store). */
  touch(key: string): Promise<void>;
}

/** Bumped when the stored shape changes; an entry of another version is no entry. */
const storedVersion = 1;

const stringMap = z.record(z.string(), z.string());
const objectSchema = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({
    name: z.string().min(1).max(253),
    namespace: z.string().max(63).optional(),
    labels: stringMap.optional(),
    annotations: stringMap.optional(),
  }),
});
const storedSchema = z.object({
  version: z.literal(storedVersion),
  key: z.string(),
  kind: z.enum([StoredRenderKind.Kustomize, StoredRenderKind.Helm]),
  manifests: z.array(z.object({ object: objectSchema, file: z.string(), line: z.number().int().nonnegative() })),
});

/** The gzipped JSON of `render` as stored under `key`. */
export function encodeStoredRender(key: string, render: StoredRender): Buffer {
  return gzipSync(JSON.stringify({ version: storedVersion, key, kind: render.kind, manifests: render.manifests }));
}

export type DecodedRender = { ok: true; render: StoredRender } | { ok: false; problem: string };

/**
 * Reads an entry `encodeStoredRender` wrote under `key`. `maxBytes` caps the
 * unzipped size (a small entry must not unzip into gigabytes).
 */
export function decodeStoredRender(key: string, stored: Buffer, maxBytes: number): DecodedRender {
  let text: string;
  try {
    text = gunzipSync(stored, { maxOutputLength: maxBytes }).toString('utf8');
  } catch (error) {
    return { ok: false, problem: `not a gzip of at most ${maxBytes} bytes: ${error instanceof Error ? error.message : String(error)}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const parsed = storedSchema.safeParse(value);
  if (!parsed.success) return { ok: false, problem: `not a stored render: ${z.prettifyError(parsed.error).slice(0, 300)}` };
  // An entry copied under another key is a render of other inputs.
  if (parsed.data.key !== key) return { ok: false, problem: 'stored under another key than the one it was written for' };
  try {
    checkUnique(parsed.data.manifests);
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
  return { ok: true, render: { kind: parsed.data.kind, manifests: parsed.data.manifests } };
}
