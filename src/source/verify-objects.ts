/**
 * Where the signature of a Git commit or annotated tag is, and which bytes it
 * signs, as git itself reads them (commit.c parse_signed_commit, gpg-interface.c
 * parse_signed_buffer), on the raw object bytes: a commit's signature is its
 * `gpgsig` header (continuation lines start with a space) and the payload is the
 * object without that header; a tag's signature is the tail of its message from
 * the last line that opens a signature, and the payload is what comes before.
 * Pure: the objects are hostile input, so nothing here normalises line endings
 * or trusts a length the object states.
 */

export type SignatureFormat = 'openpgp' | 'ssh' | 'x509';

export interface SignedObject {
  /** The bytes the signature covers. */
  readonly payload: Buffer;
  /** The armored signature, when there is one. */
  readonly signature: string | undefined;
  readonly format: SignatureFormat | undefined;
}

/** The armor lines git recognises (gpg-interface.c sigs[]). */
const beginMarkers: readonly { prefix: string; format: SignatureFormat }[] = [
  { prefix: '-----BEGIN PGP SIGNATURE-----', format: 'openpgp' },
  { prefix: '-----BEGIN PGP MESSAGE-----', format: 'openpgp' },
  { prefix: '-----BEGIN SIGNED MESSAGE-----', format: 'x509' },
  { prefix: '-----BEGIN SSH SIGNATURE-----', format: 'ssh' },
];

function formatOf(text: string): SignatureFormat | undefined {
  return beginMarkers.find((marker) => text.startsWith(marker.prefix))?.format;
}

/** Lines of `bytes`, each with its end (the offset after its `\n`, or the end). */
function* lines(bytes: Buffer, from = 0, to = bytes.length): Generator<{ start: number; end: number }> {
  let start = from;
  while (start < to) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline < 0 || newline >= to ? to : newline + 1;
    yield { start, end };
    start = end;
  }
}

/** Where a commit's headers end: the empty line before the message (or the end of the object). */
function headersEnd(bytes: Buffer): number {
  for (const { start, end } of lines(bytes)) {
    if (end - start === 1 && bytes[start] === 0x0a) return start;
  }
  return bytes.length;
}

/**
 * A commit object's signature and payload. Only `gpgsig` (SHA-1 repositories)
 * is the signature; `gpgsig-sha256` is another object format's and is left in
 * the payload, as git does for a SHA-1 repository.
 */
export function signedCommit(raw: Uint8Array): SignedObject {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const end = headersEnd(bytes);
  const payload: Buffer[] = [];
  let signature: string[] | undefined;
  let inSignature = false;
  for (const { start, end: lineEnd } of lines(bytes, 0, end)) {
    if (inSignature && bytes[start] === 0x20) {
      signature?.push(bytes.subarray(start + 1, lineEnd).toString('utf8'));
      continue;
    }
    inSignature = false;
    // Only the first gpgsig header is the signature (git reads the first); a second one stays in the payload.
    if (signature === undefined && bytes.subarray(start, start + 7).toString('latin1') === 'gpgsig ') {
      signature = [bytes.subarray(start + 7, lineEnd).toString('utf8')];
      inSignature = true;
      continue;
    }
    payload.push(bytes.subarray(start, lineEnd));
  }
  payload.push(bytes.subarray(end));
  const text = signature?.join('');
  return { payload: Buffer.concat(payload), signature: text, format: text === undefined ? undefined : formatOf(text) };
}

/** An annotated tag's signature (the message tail from the last line opening one) and payload. */
export function signedTag(raw: Uint8Array): SignedObject {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let match = bytes.length;
  let format: SignatureFormat | undefined;
  for (const { start, end } of lines(bytes, headersEnd(bytes))) {
    const found = formatOf(bytes.subarray(start, Math.min(end, start + 40)).toString('latin1'));
    if (found !== undefined) {
      match = start;
      format = found;
    }
  }
  if (format === undefined) return { payload: Buffer.from(bytes), signature: undefined, format: undefined };
  return { payload: Buffer.from(bytes.subarray(0, match)), signature: bytes.subarray(match).toString('utf8'), format };
}

/** The `object` a tag names and its `type`, from its headers; undefined when the tag is malformed. */
export function taggedObject(raw: Uint8Array): { object: string; type: string } | undefined {
  const head = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).subarray(0, 200).toString('latin1');
  const parsed = /^object ([0-9a-f]{40}|[0-9a-f]{64})\ntype ([a-z]+)\n/.exec(head);
  return parsed ? { object: parsed[1] ?? '', type: parsed[2] ?? '' } : undefined;
}

/** The committer (or tagger) time of an object, in epoch seconds; undefined when it has none. */
export function signerTime(raw: Uint8Array): number | undefined {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  for (const { start, end } of lines(bytes, 0, headersEnd(bytes))) {
    const line = bytes.subarray(start, end).toString('utf8');
    const found = /^(?:committer|tagger) .* (\d{1,12}) [+-]\d{4}\n?$/.exec(line);
    if (found) return Number(found[1]);
  }
  return undefined;
}
