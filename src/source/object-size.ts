/**
 * The inflated size of one object in a bare repository, read from headers
 * without inflating the object: for a packed object, its offset from the pack's
 * index (v2) and the size from its pack header (for a delta, the size it builds,
 * from the first bytes of the delta); for a loose object, the first bytes of the
 * file. isomorphic-git can only tell a size by inflating the whole object, so a
 * read of a blob larger than the cap is refused by this before it costs memory:
 * that covers caches written before the fetch caps existed and local
 * repositories (`berth render --revision`), whose packs no fetch checked.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { readVarint } from './pack-limits.ts';

/** Enough compressed bytes for a loose object's `<type> <size>\0` or a delta's two sizes. */
const headBytes = 512;

/**
 * The first inflated bytes of a zlib stream cut off after `input` (a few hundred
 * compressed bytes of zeros inflate to far more than is wanted: only the first
 * chunk is kept).
 */
function inflateHead(input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const inflate = zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: 1024 });
    let done = false;
    inflate.once('data', (chunk: Buffer) => { done = true; resolve(chunk); inflate.destroy(); });
    inflate.once('error', (error) => { if (!done) reject(error); });
    inflate.once('end', () => { if (!done) resolve(Buffer.alloc(0)); });
    inflate.end(input);
  });
}

async function readAt(file: string, position: number, length: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The offset of `oid` in the pack an index (v2) describes, or undefined. */
function offsetIn(index: Buffer, oid: Buffer): number | undefined {
  if (index.readUInt32BE(0) !== 0xff744f63 || index.readUInt32BE(4) !== 2) return undefined;
  const fanout = 8;
  const first = oid[0] ?? 0;
  let low = first === 0 ? 0 : index.readUInt32BE(fanout + (first - 1) * 4);
  let high = index.readUInt32BE(fanout + first * 4);
  const count = index.readUInt32BE(fanout + 255 * 4);
  const names = fanout + 256 * 4;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = Buffer.compare(index.subarray(names + middle * 20, names + middle * 20 + 20), oid);
    if (order === 0) {
      const offsets = names + count * 24;
      const small = index.readUInt32BE(offsets + middle * 4);
      // The high bit points into the table of 8-byte offsets (packs over 2 GiB).
      if (!(small & 0x80000000)) return small;
      return Number(index.readBigUInt64BE(offsets + count * 4 + (small & 0x7fffffff) * 8));
    }
    if (order < 0) low = middle + 1;
    else high = middle;
  }
  return undefined;
}

/** The size an object at `offset` of `pack` inflates to (for a delta, the object it builds). */
async function packedSize(pack: string, offset: number): Promise<number> {
  const bytes = await readAt(pack, offset, headBytes);
  const first = bytes[0] ?? 0;
  const type = (first >> 4) & 0x07;
  let size = first & 0x0f;
  let at = 1;
  if (first & 0x80) {
    const rest = readVarint(bytes, at);
    size += rest.value * 16;
    at = rest.next;
  }
  if (type !== 6 && type !== 7) return size;
  at = type === 6 ? readVarint(bytes, at).next : at + 20;
  const delta = await inflateHead(bytes.subarray(at));
  return readVarint(delta, readVarint(delta, 0).next).value;
}

export class ObjectSizes {
  readonly #gitdir: string;
  /** Parsed pack indexes by file name; a pack and its index never change once written. */
  readonly #indexes = new Map<string, Promise<Buffer>>();

  constructor(gitdir: string) {
    this.#gitdir = gitdir;
  }

  /** Forgets the indexes read (the store was emptied). */
  clear(): void {
    this.#indexes.clear();
  }

  /** The inflated size of `oid`, or undefined when it is not found here (isomorphic-git then reports it missing). */
  async sizeOf(oid: string): Promise<number | undefined> {
    const packs = path.join(this.#gitdir, 'objects', 'pack');
    const files = await fs.readdir(packs).catch(() => [] as string[]);
    const name = Buffer.from(oid, 'hex');
    for (const file of files.filter((entry) => entry.endsWith('.idx'))) {
      let index = this.#indexes.get(file);
      if (!index) {
        index = fs.readFile(path.join(packs, file));
        this.#indexes.set(file, index);
      }
      const offset = offsetIn(await index.catch(() => Buffer.alloc(8)), name);
      if (offset !== undefined) return packedSize(path.join(packs, file.replace(/\.idx$/, '.pack')), offset);
    }
    const loose = path.join(this.#gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
    const head = await readAt(loose, 0, headBytes).catch(() => undefined);
    if (!head || head.byteLength === 0) return undefined;
    const text = (await inflateHead(head)).toString('latin1');
    const match = /^[a-z]+ (\d+)\0/.exec(text);
    return match ? Number(match[1]) : undefined;
  }
}
