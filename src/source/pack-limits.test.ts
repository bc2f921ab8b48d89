import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { TransferLimitError } from './http-client.ts';
import { assertPackWithinLimits, MalformedPackError } from './pack-limits.ts';

/** An object header: type in bits 4-6 of the first byte, the size in 4 bits and then 7 bits a byte. */
function header(type: number, size: number): Buffer {
  const bytes = [((size > 15 ? 0x80 : 0) | (type << 4) | (size & 0x0f))];
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push((rest > 127 ? 0x80 : 0) | (rest & 0x7f));
    rest = Math.floor(rest / 128);
  }
  return Buffer.from(bytes);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    const low = rest & 0x7f;
    rest = Math.floor(rest / 128);
    bytes.push(low | (rest > 0 ? 0x80 : 0));
  } while (rest > 0);
  return Buffer.from(bytes);
}

interface PackObject { type: number; data: Buffer; statedSize?: number; prefix?: Buffer }

/** A pack as a server sends it (the trailing checksum is not the scan's business: zeros). */
function pack(objects: PackObject[]): Buffer {
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(objects.length, 8);
  const parts: Buffer[] = [head];
  for (const object of objects) {
    parts.push(header(object.type, object.statedSize ?? object.data.byteLength), object.prefix ?? Buffer.alloc(0), zlib.deflateSync(object.data));
  }
  parts.push(Buffer.alloc(20));
  return Buffer.concat(parts);
}

const blob = (data: Buffer | string): PackObject => ({ type: 3, data: Buffer.from(data) });
/** An ofs-delta against the object `distance` bytes back: base size, built size, then (here) one insert. */
const delta = (baseSize: number, builtSize: number): PackObject => ({
  type: 6, prefix: varint(100), data: Buffer.concat([varint(baseSize), varint(builtSize), Buffer.from([3]), Buffer.from('abc')]),
});
const mib = 1024 * 1024;
const limits = { maxObjectBytes: 8 * mib, maxTotalBytes: 16 * mib };

function isSizeLimit(pattern: RegExp) {
  return (error: unknown) => error instanceof TransferLimitError && error.limit === 'size' && pattern.test(error.message);
}

describe('Pack limits', () => {
  it('passes a pack within the caps and sums what its objects inflate to', async () => {
    const summary = await assertPackWithinLimits(pack([blob('a: 1\n'), blob(Buffer.alloc(2 * mib)), { type: 2, data: Buffer.from('tree') }, delta(5, 300)]), limits);
    assert.deepEqual(summary, { objects: 4, inflatedBytes: 5 + 2 * mib + 4 + 300, largestObjectBytes: 2 * mib });
  });

  it('refuses an object whose header states more than maxObjectBytes, without inflating it', async () => {
    // The data after the header is not even zlib: the scan must stop at the header.
    const bomb = Buffer.concat([pack([]).subarray(0, 8), Buffer.from([0, 0, 0, 1]), header(3, 1536 * mib), Buffer.from('not zlib at all')]);
    await assert.rejects(assertPackWithinLimits(bomb, limits), isSizeLimit(/a blob of 1610612736 bytes \(1536\.0 MiB\) inflated is larger than 8388608 bytes \(8\.0 MiB\), the limit of one Git object \(maxObjectBytes\)/));
  });

  it('refuses a delta that builds an object larger than maxObjectBytes, though the delta itself is tiny', async () => {
    await assert.rejects(assertPackWithinLimits(pack([blob('base'), delta(4, 1024 * mib)]), limits), isSizeLimit(/a delta-built object of 1073741824 bytes/));
  });

  it('refuses objects that together inflate past maxTotalBytes', async () => {
    const objects = [1, 2, 3].map((fill) => blob(Buffer.alloc(7 * mib, fill)));
    await assert.rejects(assertPackWithinLimits(pack(objects), limits), isSizeLimit(/more than 16777216 bytes \(16\.0 MiB\), the limit of one fetch \(maxRepositoryBytes\); 3 of 3 objects came to 22020096 bytes/));
  });

  it('refuses an object that inflates to more than its header states, small or large', async () => {
    const small = { ...blob(Buffer.alloc(4096)), statedSize: 100 };
    const large = { ...blob(Buffer.alloc(6 * mib)), statedSize: 2 * mib };
    for (const liar of [small, large]) {
      await assert.rejects(assertPackWithinLimits(pack([liar]), limits), isSizeLimit(/inflates to more than the \d+ bytes its pack header states/));
    }
  });

  it('reports a pack cut short or holding an unknown type as malformed', async () => {
    const whole = pack([blob(Buffer.alloc(mib, 1)), blob('second')]);
    await assert.rejects(assertPackWithinLimits(whole.subarray(0, 40), limits), MalformedPackError);
    await assert.rejects(assertPackWithinLimits(pack([{ type: 5, data: Buffer.from('x') }]), limits), /object 0 has an unknown type 5/);
  });

  it('leaves a buffer that is not a pack alone', async () => {
    assert.deepEqual(await assertPackWithinLimits(Buffer.from('hello'), limits), { objects: 0, inflatedBytes: 0, largestObjectBytes: 0 });
  });
});
