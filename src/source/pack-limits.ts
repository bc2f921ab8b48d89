/**
 * Caps on what one fetched pack may inflate to, checked before isomorphic-git
 * indexes it. isomorphic-git inflates every object of a pack whole while it
 * indexes it (and again on each read), several copies at once, so a 300 KiB pack
 * holding 300 MiB of zeros costs the controller over 1 GiB of memory: a cap on
 * bytes on the wire says nothing about memory. This scan walks the pack's object
 * headers, which state each object's inflated size (and, for a delta, the delta's
 * header states the size of the object it builds), and inflates each object only
 * to find where the next begins, discarding the output, so it holds no more than
 * zlib's window whatever the pack holds. An object larger than `maxObjectBytes`,
 * or objects adding up to more than `maxTotalBytes`, fail the scan with a
 * TransferLimitError('size') naming the size and the cap; so does an object that
 * inflates to more than its header says (isomorphic-git checks that only after
 * inflating it whole). Any other malformed pack fails with a MalformedPackError:
 * objects past the point the scan could read are unchecked, so the pack must not
 * reach isomorphic-git either.
 */
import zlib from 'node:zlib';
import { TransferLimitError } from './http-client.ts';

export interface PackLimits {
  /** Inflated bytes one object (blob, tree, commit, or the object a delta builds) may have. */
  maxObjectBytes: number;
  /** Inflated bytes all objects of one pack may have together. */
  maxTotalBytes: number;
}

/** The caps when none are given: a 128 MiB object, 1 GiB per fetch. */
export const defaultPackLimits: PackLimits = { maxObjectBytes: 128 * 1024 ** 2, maxTotalBytes: 1024 ** 3 };

export interface PackSummary {
  objects: number;
  /** Sum of the objects' inflated sizes (for a delta, the size of the object it builds). */
  inflatedBytes: number;
  largestObjectBytes: number;
}

const ObjectType = { Commit: 1, Tree: 2, Blob: 3, Tag: 4, OfsDelta: 6, RefDelta: 7 } as const;
const typeNames: Record<number, string> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag', 6: 'delta', 7: 'delta' };

/** Objects up to this size are inflated in one synchronous call (bounded by their stated size); larger ones are streamed. */
const inlineInflateBytes = 1024 * 1024;

export class MalformedPackError extends Error {
  override readonly name = 'MalformedPackError';
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** A little-endian base-128 number as used by object headers' continuation bytes and delta headers. */
export function readVarint(bytes: Uint8Array, start: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let at = start;
  for (;;) {
    const byte = bytes[at++];
    if (byte === undefined) throw new MalformedPackError('the server sent a malformed pack: a size runs past the end of the data');
    // Multiplication, not <<: sizes pass 2^31 and JavaScript shifts are 32-bit.
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(byte & 0x80)) return { value, next: at };
    if (shift > 56) throw new MalformedPackError('the server sent a malformed pack: a size has too many bytes');
  }
}

interface Inflated {
  /** Compressed bytes the object's zlib stream took. */
  consumed: number;
  /** The first bytes of the inflated data (a delta's header). */
  head: Uint8Array;
}

function inflateInline(input: Uint8Array, stated: number): Inflated {
  try {
    // maxOutputLength bounds the allocation by the stated size, so a lying header cannot make it large.
    const { buffer, engine } = zlib.inflateSync(input, { info: true, maxOutputLength: Math.max(stated, 1) }) as unknown as { buffer: Buffer; engine: zlib.Inflate };
    if (buffer.byteLength !== stated) throw new MalformedPackError(`the server sent a malformed pack: an object inflates to ${buffer.byteLength} bytes, its header says ${stated}`);
    return { consumed: engine.bytesWritten, head: buffer.subarray(0, 32) };
  } catch (error) {
    if (error instanceof MalformedPackError) throw error;
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw largerThanStated(stated);
    throw new MalformedPackError(`the server sent a malformed pack: an object does not inflate (${(error as Error).message})`, { cause: error });
  }
}

/** Inflates a large object chunk by chunk, keeping only a count and its first bytes. */
function inflateStreaming(input: Uint8Array, stated: number): Promise<Inflated> {
  return new Promise((resolve, reject) => {
    const inflate = zlib.createInflate();
    let produced = 0;
    let head: Uint8Array = new Uint8Array(0);
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      inflate.destroy();
      reject(error);
    };
    inflate.on('data', (chunk: Buffer) => {
      if (head.byteLength < 32) head = Buffer.concat([head, chunk.subarray(0, 32 - head.byteLength)]);
      produced += chunk.byteLength;
      if (produced > stated) fail(largerThanStated(stated));
    });
    inflate.on('error', (error) => { fail(new MalformedPackError(`the server sent a malformed pack: an object does not inflate (${error.message})`, { cause: error })); });
    inflate.on('end', () => {
      if (settled) return;
      settled = true;
      if (produced !== stated) reject(new MalformedPackError(`the server sent a malformed pack: an object inflates to ${produced} bytes, its header says ${stated}`));
      else resolve({ consumed: inflate.bytesWritten, head });
    });
    // zlib stops at the end of the object's stream and ignores the rest of the pack after it.
    inflate.end(input);
  });
}

/**
 * Checks a whole pack (as isomorphic-git is about to write it) against the caps.
 * Throws TransferLimitError('size') over a cap, MalformedPackError for a pack it
 * cannot read to the end. A buffer that is not a pack at all is left alone.
 */
export async function assertPackWithinLimits(pack: Uint8Array, limits: PackLimits): Promise<PackSummary> {
  const summary: PackSummary = { objects: 0, inflatedBytes: 0, largestObjectBytes: 0 };
  if (pack.byteLength < 12 || Buffer.from(pack.subarray(0, 4)).toString('latin1') !== 'PACK') return summary;
  const view = new DataView(pack.buffer, pack.byteOffset, pack.byteLength);
  const count = view.getUint32(8);
  let offset = 12;
  for (let index = 0; index < count; index++) {
    const first = pack[offset];
    if (first === undefined) throw new MalformedPackError('the server sent a malformed pack: it ends before its last object');
    const type = (first >> 4) & 0x07;
    let size = first & 0x0f;
    let at = offset + 1;
    if (first & 0x80) {
      const rest = readVarint(pack, at);
      size += rest.value * 16;
      at = rest.next;
    }
    if (type === ObjectType.OfsDelta) at = readVarint(pack, at).next;
    else if (type === ObjectType.RefDelta) at += 20;
    else if (!(type in typeNames)) throw new MalformedPackError(`the server sent a malformed pack: object ${index} has an unknown type ${type}`);
    // A delta's own size says little (a few bytes of copy instructions can build gigabytes), so its cap waits for its header.
    const isDelta = type === ObjectType.OfsDelta || type === ObjectType.RefDelta;
    if (size > limits.maxObjectBytes) throw objectTooLarge(typeNames[type] ?? 'object', size, limits);
    const input = pack.subarray(at);
    const inflated = size <= inlineInflateBytes ? inflateInline(input, size) : await inflateStreaming(input, size);
    let built = size;
    if (isDelta) {
      const base = readVarint(inflated.head, 0);
      built = readVarint(inflated.head, base.next).value;
      if (built > limits.maxObjectBytes) throw objectTooLarge('delta-built object', built, limits);
    }
    summary.objects++;
    summary.inflatedBytes += built;
    summary.largestObjectBytes = Math.max(summary.largestObjectBytes, built);
    if (summary.inflatedBytes > limits.maxTotalBytes) {
      throw new TransferLimitError('size', `the fetched objects inflate to more than ${limits.maxTotalBytes} bytes (${mib(limits.maxTotalBytes)}), the limit of one fetch (maxRepositoryBytes); ${summary.objects} of ${count} objects came to ${summary.inflatedBytes} bytes`);
    }
    offset = at + inflated.consumed;
  }
  return summary;
}

/** An object whose data goes on past its stated size is a way around the cap, not noise on the line. */
function largerThanStated(stated: number): TransferLimitError {
  return new TransferLimitError('size', `an object inflates to more than the ${stated} bytes its pack header states`);
}

function objectTooLarge(kind: string, size: number, limits: PackLimits): TransferLimitError {
  return new TransferLimitError('size', `a ${kind} of ${size} bytes (${mib(size)}) inflated is larger than ${limits.maxObjectBytes} bytes (${mib(limits.maxObjectBytes)}), the limit of one Git object (maxObjectBytes)`);
}
