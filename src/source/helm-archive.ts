/**
 * Reads a gzipped tar archive (a Helm chart `.tgz`, a `flux push artifact` or
 * directory `oras push` layer) into regular files, refusing what could escape the
 * folder it is unpacked into: absolute paths, `..`, symlinks and hard links,
 * devices, and more bytes or entries than the caps (a gzip bomb stops at the cap,
 * inflated in one bounded step). Pure apart from zlib; the unpacked files are data.
 */
import zlib from 'node:zlib';
import { InvalidSourceError } from '../errors.ts';
import { normalizeTreePath } from './source-tree.ts';

export interface ArchiveFile {
  /** Relative POSIX path, normalised (no `./`, no `..`). */
  path: string;
  data: Buffer;
  mode: number;
}

export interface ArchiveLimits {
  /** Inflated bytes of the whole archive. */
  maxBytes: number;
  maxEntries: number;
}

export const defaultArchiveLimits: ArchiveLimits = { maxBytes: 64 * 1024 * 1024, maxEntries: 10_000 };

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
}

function octal(block: Buffer, offset: number, length: number): number {
  const text = field(block, offset, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** pax extended header records: `<len> key=value\n`. */
function paxPath(data: Buffer): string | undefined {
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = parseInt(data.subarray(offset, space).toString('utf8'), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    if (record.startsWith('path=')) return record.slice('path='.length);
    offset += length;
  }
  return undefined;
}

/** `name` of the archive for messages, e.g. `oci://host/charts/web@sha256:…`. */
export function readTarGz(archive: Buffer, name: string, limits: ArchiveLimits = defaultArchiveLimits): ArchiveFile[] {
  let tar: Buffer;
  try {
    tar = zlib.gunzipSync(archive, { maxOutputLength: limits.maxBytes + 1024 * 1024 });
  } catch (error) {
    const tooLarge = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new InvalidSourceError(tooLarge ? 'FetchTooLarge' : 'InvalidManifest',
      tooLarge ? `${name}: inflates to more than ${limits.maxBytes} bytes, the limit of one archive` : `${name}: not a gzipped tar archive`, { cause: error });
  }
  const files: ArchiveFile[] = [];
  let total = 0;
  let entries = 0;
  let longName: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0x30);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    if (body.length < size) throw new InvalidSourceError('InvalidManifest', `${name}: truncated tar archive`);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (++entries > limits.maxEntries) throw new InvalidSourceError('FetchTooLarge', `${name}: more than ${limits.maxEntries} entries`);
    if (type === 'x') { longName = paxPath(body) ?? longName; continue; }
    if (type === 'L') { longName = field(body, 0, body.length); continue; }
    if (type === 'g') continue;
    const prefix = field(header, 345, 155);
    const rawPath = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    if (rawPath.startsWith('/') || rawPath.split('/').includes('..')) {
      throw new InvalidSourceError('InvalidPath', `${name}: entry ${JSON.stringify(rawPath)} leaves the archive`);
    }
    if (type === '2' || type === '1') {
      throw new InvalidSourceError('InvalidPath', `${name}: entry ${JSON.stringify(rawPath)} is a ${type === '2' ? 'symlink' : 'hard link'}; Berth does not unpack links`);
    }
    if (type === '5') continue;
    if (type !== '0' && type !== '\0' && type !== '7') {
      throw new InvalidSourceError('InvalidPath', `${name}: entry ${JSON.stringify(rawPath)} is not a regular file (tar type ${JSON.stringify(type)})`);
    }
    total += size;
    if (total > limits.maxBytes) throw new InvalidSourceError('FetchTooLarge', `${name}: inflates to more than ${limits.maxBytes} bytes, the limit of one archive`);
    const path = normalizeTreePath(rawPath);
    if (path === '') continue;
    files.push({ path, data: Buffer.from(body), mode: octal(header, 100, 8) & 0o777 });
  }
  return files;
}

/**
 * The files of a chart archive without its one top-level folder (`web/Chart.yaml`
 * → `Chart.yaml`), as `helm package` writes it; an archive with more than one
 * top-level entry is refused, as helm refuses it.
 */
export function stripChartFolder(files: readonly ArchiveFile[], name: string): { chart: string; files: ArchiveFile[] } {
  const tops = new Set(files.map((file) => file.path.split('/')[0] ?? ''));
  const [top] = tops;
  if (tops.size !== 1 || top === undefined || !files.some((file) => file.path === `${top}/Chart.yaml`)) {
    throw new InvalidSourceError('InvalidManifest', `${name}: not a Helm chart archive (one folder holding Chart.yaml)`);
  }
  return { chart: top, files: files.filter((file) => file.path.startsWith(`${top}/`)).map((file) => ({ ...file, path: file.path.slice(top.length + 1) })) };
}

/** A gzipped tar of regular files, for tests and for pushing artifacts with Berth's own client. */
export function writeTarGz(files: readonly { path: string; data: Buffer | string; type?: '0' | '2'; linkTarget?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const data = Buffer.from(file.data);
    const header = Buffer.alloc(512);
    header.write(file.path.slice(0, 100), 0, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${(file.type === '2' ? 0 : data.length).toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write(file.type ?? '0', 156);
    if (file.linkTarget) header.write(file.linkTarget.slice(0, 100), 157);
    header.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header);
    if (file.type !== '2') {
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(blocks));
}
